import pytest

from exporter.collectors.uname import UnameCollector
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples


def test_rpi4_uname_info():
    assert samples(UnameCollector(fixture_config("rpi4")).collect()) == {
        key(
            "node_uname_info",
            sysname="Linux",
            release="6.1.0-rpi7-rpi-v8",
            version="#1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24)",
            machine="aarch64",
            nodename="pi-node-1",
            domainname="(none)",
        ): 1.0
    }


def test_a_renamed_host_shows_at_the_next_scrape(tmp_path):
    kernel = tmp_path / "proc" / "sys" / "kernel"
    kernel.mkdir(parents=True)
    for name, value in {
        "ostype": "Linux",
        "osrelease": "6.1",
        "version": "#1",
        "domainname": "(none)",
    }.items():
        (kernel / name).write_text(value + "\n")
    (kernel / "hostname").write_text("old\n")
    collector = UnameCollector(Config(paths=Paths(procfs=tmp_path / "proc")))
    collector.collect()
    (kernel / "hostname").write_text("new\n")
    (labels,) = [dict(labels) for _, labels in samples(collector.collect())]
    assert labels["nodename"] == "new"


def test_missing_kernel_files_fail_the_collector(tmp_path):
    (tmp_path / "proc").mkdir()
    collector = UnameCollector(Config(paths=Paths(procfs=tmp_path / "proc")))
    with pytest.raises(FileNotFoundError, match="sysname"):
        collector.collect()
