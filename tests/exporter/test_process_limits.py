import resource

import pytest

from exporter.process_limits import UNLIMITED, ProcessLimitsCollector, parse_address_space_limit

LIMITS = """Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max address space         {soft}            {hard}            bytes
Max open files            1024                 1048576              files
"""


def test_the_soft_limit_in_bytes_and_unlimited_as_go_reports_it():
    assert parse_address_space_limit(LIMITS.format(soft="4294967296", hard="unlimited")) == 4294967296.0
    assert parse_address_space_limit(LIMITS.format(soft="unlimited", hard="unlimited")) == UNLIMITED
    assert UNLIMITED == 1.8446744073709552e19


def test_a_table_without_the_row_is_an_error():
    with pytest.raises(ValueError, match="Max address space"):
        parse_address_space_limit("Limit Soft Limit Hard Limit Units\nMax open files 1024 1024 files\n")


def test_this_process_limit():
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    (family,) = ProcessLimitsCollector().collect()
    assert family.name == "process_virtual_memory_max_bytes"
    assert family.samples[0].value == (UNLIMITED if soft == resource.RLIM_INFINITY else float(soft))
