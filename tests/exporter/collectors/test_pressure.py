import pytest

from exporter.collectors.pressure import PressureCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_waiting_and_stalled_seconds():
    families = PressureCollector(fixture_config("x86-server")).collect()
    assert set(types(families).values()) == {"counter"}
    assert samples(families) == {
        key("node_pressure_cpu_waiting_seconds_total"): 123.456789,
        key("node_pressure_cpu_stalled_seconds_total"): 0.0,
        # Microseconds divided by 1000 twice, exactly as node_exporter computes them.
        key("node_pressure_io_waiting_seconds_total"): 9.097893000000001,
        key("node_pressure_io_stalled_seconds_total"): 4.56789,
        key("node_pressure_memory_waiting_seconds_total"): 0.25,
        key("node_pressure_memory_stalled_seconds_total"): 0.125,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_pressure_io_waiting_seconds"] == (
        "Total time in seconds that processes have waited due to IO congestion"
    )


def test_a_kernel_without_psi_has_no_data():
    # Raspberry Pi kernels ship with PSI disabled unless booted with psi=1: no /proc/pressure.
    with pytest.raises(FileNotFoundError):
        PressureCollector(fixture_config("rpi4")).collect()
