"""Every collector on this machine's real /proc and /sys, checked against what the OS says directly."""

import os
import time
from pathlib import Path

import psutil
import pytest

from exporter.collectors import COLLECTORS
from exporter.collectors.rpi import RpiCollector
from exporter.config import Config
from tests.exporter.trees import key, samples


def collect(name):
    return samples(COLLECTORS[name](Config()).collect())


def online_cpu_ids():
    """Kernel ids of the online CPUs, from /sys/devices/system/cpu/online (`0-3,5`)."""
    ids = set()
    for part in Path("/sys/devices/system/cpu/online").read_text().strip().split(","):
        first, _, last = part.partition("-")
        ids.update(str(i) for i in range(int(first), int(last or first) + 1))
    return ids


def test_cpu_ids_are_the_online_cpus():
    got = collect("cpu")
    assert {dict(labels)["cpu"] for _, labels in got} == online_cpu_ids()
    assert {dict(labels)["mode"] for name, labels in got if name == "node_cpu_seconds_total"} == {
        "user",
        "nice",
        "system",
        "idle",
        "iowait",
        "irq",
        "softirq",
        "steal",
    }


def test_memory_total_is_the_physical_memory():
    assert collect("meminfo")[key("node_memory_MemTotal_bytes")] == os.sysconf("SC_PHYS_PAGES") * os.sysconf(
        "SC_PAGE_SIZE"
    )


def test_boot_time_and_uname():
    assert collect("stat")[key("node_boot_time_seconds")] == pytest.approx(psutil.boot_time(), abs=1)
    (labels,) = [dict(labels) for _, labels in collect("uname")]
    uname = os.uname()
    assert (
        labels["sysname"],
        labels["nodename"],
        labels["release"],
        labels["version"],
        labels["machine"],
    ) == (
        uname.sysname,
        uname.nodename,
        uname.release,
        uname.version,
        uname.machine,
    )


def test_time_is_now():
    assert collect("time")[key("node_time_seconds")] == pytest.approx(time.time(), abs=5)


def test_network_devices_are_the_kernels():
    assert {
        dict(labels)["device"] for name, labels in collect("netclass") if name == "node_network_up"
    } == set(os.listdir("/sys/class/net"))
    got = collect("netdev")
    counters = psutil.net_io_counters(pernic=True)
    assert {
        dict(labels)["device"] for name, labels in got if name == "node_network_receive_bytes_total"
    } == set(counters)


def test_root_filesystem_matches_statvfs():
    got = collect("filesystem")
    root = [
        labels
        for name, labels in got
        if name == "node_filesystem_size_bytes" and dict(labels)["mountpoint"] == "/"
    ]
    assert len(root) == 1
    st = os.statvfs("/")
    assert got[("node_filesystem_size_bytes", root[0])] == st.f_blocks * st.f_bsize
    assert got[("node_filesystem_device_error", root[0])] == 0.0


def test_disks_are_the_kernels_block_devices_minus_partitions():
    got = collect("diskstats")
    devices = {dict(labels)["device"] for name, labels in got if name == "node_disk_reads_completed_total"}
    expected = {
        d for d in psutil.disk_io_counters(perdisk=True) if not Config().diskstats_device_exclude.search(d)
    }
    assert devices == expected


# What a collector needs that a machine may lack (no sensors in a VM, a kernel without schedstats, no
# nf_conntrack module, no bonding or md driver): there it has no data, as node_exporter reports it.
OPTIONAL_INPUTS = {
    "hwmon": "/sys/class/hwmon",
    "schedstat": "/proc/schedstat",
    "conntrack": "/proc/sys/net/netfilter/nf_conntrack_count",
    "bonding": "/sys/class/net/bonding_masters",
    "mdadm": "/proc/mdstat",
}


def test_every_collector_but_missing_hardware_succeeds():
    # systemd needs a system bus: tests/exporter/collectors/test_systemd.py covers it.
    for name, cls in COLLECTORS.items():
        if name == "systemd":
            continue
        if name in OPTIONAL_INPUTS and not os.path.exists(OPTIONAL_INPUTS[name]):
            with pytest.raises(FileNotFoundError):
                cls(Config()).collect()
            continue
        if name == "rpi" and RpiCollector(Config()).model() is None:  # this machine is no Raspberry Pi
            assert cls(Config()).collect() == []
            continue
        assert cls(Config()).collect(), name


def test_softnet_and_interrupts_count_the_online_cpus():
    online = online_cpu_ids()
    assert {dict(labels)["cpu"] for _, labels in collect("softnet")} == online
    # /proc/interrupts has one column per online CPU; node_exporter labels them by column.
    assert {dict(labels)["cpu"] for _, labels in collect("interrupts")} == {
        str(i) for i in range(len(online))
    }


def test_processes_are_the_pids_in_proc():
    got = collect("processes")
    pids = sum(name.isdigit() for name in os.listdir("/proc"))
    assert got[key("node_processes_pids")] == pytest.approx(pids, abs=20)
    assert got[key("node_processes_max_processes")] == int(Path("/proc/sys/kernel/pid_max").read_text())
