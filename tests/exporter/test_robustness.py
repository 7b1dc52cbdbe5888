"""Broken machines never break a scrape (issue 7): missing, unreadable and garbage inputs, a hung statfs and a
sensor that vanishes. The scrape is always a 200 with a valid exposition; the collector that could not read
its input reports `node_scrape_collector_success` 0 and every other collector 1.

The exporter runs as a real process on a copy of the x86 server fixture tree, which each case damages and then
restores. The tests run as root in CI, where permission bits do not stop a read: a file is made unreadable by
putting a directory in its place (EISDIR), a directory by putting a file in its place (ENOTDIR).
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from exporter.collectors import COLLECTORS
from exporter.scrape import NodeExporter
from exporter.server import MetricsServer
from tests.exporter.trees import EXPORTER, FIXTURES, HangingStatfs, fixture_config
from tests.support.processes import free_port, running

PRISTINE = FIXTURES / "x86-server"
# Every collector but systemd, which reads D-Bus, not files (tests/exporter/collectors/test_systemd.py).
RUN = sorted(COLLECTORS.keys() - {"systemd"})
POLICY0 = "sys/devices/system/cpu/cpufreq/policy0"
EDAC = "sys/devices/system/edac/mc/mc0"
OPENMETRICS = "application/openmetrics-text;version=1.0.0"
Damage = Callable[[Path], None]


def remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def directory_instead(path: Path) -> None:
    """Reading it now fails with EISDIR, even as root."""
    remove(path)
    path.mkdir()


def file_instead(path: Path) -> None:
    """Listing it now fails with ENOTDIR."""
    remove(path)
    path.write_text("")


def garbage(text: str) -> Damage:
    def write(path: Path) -> None:
        remove(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    write.__name__ = "garbage"
    return write


def dispynode_process(argv: str) -> Damage:
    def start(path: Path) -> None:
        path.mkdir()
        (path / "cmdline").write_text(argv.replace(" ", "\0") + "\0")

    start.__name__ = "garbage"
    return start


@contextlib.contextmanager
def damaged(tree: Path, relative: str, damage: Damage) -> Iterator[None]:
    path = tree / relative
    damage(path)
    try:
        yield
    finally:
        remove(path)
        original = PRISTINE / relative
        if original.is_dir() and not original.is_symlink():
            shutil.copytree(original, path, symlinks=True)
        elif original.exists() or original.is_symlink():
            shutil.copy2(original, path, follow_symlinks=False)


# (collectors that must report 0, input under the tree, what is done to it)
CASES: list[tuple[set[str], str, Damage]] = [
    # /proc/stat feeds two collectors.
    ({"cpu", "stat"}, "proc/stat", remove),
    ({"cpu", "stat"}, "proc/stat", directory_instead),
    ({"cpu", "stat"}, "proc/stat", garbage("cpu0 lots of time\n")),
    ({"loadavg"}, "proc/loadavg", remove),
    ({"loadavg"}, "proc/loadavg", directory_instead),
    ({"loadavg"}, "proc/loadavg", garbage("high\n")),
    ({"meminfo"}, "proc/meminfo", remove),
    ({"meminfo"}, "proc/meminfo", directory_instead),
    ({"meminfo"}, "proc/meminfo", garbage("MemTotal: plenty kB\n")),
    ({"diskstats"}, "proc/diskstats", remove),
    ({"diskstats"}, "proc/diskstats", directory_instead),
    ({"diskstats"}, "proc/diskstats", garbage("sda is busy today\n")),
    ({"netdev"}, "proc/net/dev", remove),
    ({"netdev"}, "proc/net/dev", directory_instead),
    ({"netdev"}, "proc/net/dev", garbage("eth0: up\n")),
    # The bonding driver's files live in /sys/class/net too.
    ({"netclass", "bonding"}, "sys/class/net", remove),
    ({"netclass", "bonding"}, "sys/class/net", file_instead),
    ({"netclass"}, "sys/class/net/eno1/mtu", garbage("big\n")),
    ({"filesystem"}, "proc/1/mountinfo", remove),
    ({"filesystem"}, "proc/1/mountinfo", directory_instead),
    ({"filesystem"}, "proc/1/mountinfo", garbage("/dev/sda1 / ext4 rw 0 0\n")),
    ({"hwmon"}, "sys/class/hwmon", remove),
    ({"hwmon"}, "sys/class/hwmon", file_instead),
    ({"thermal_zone"}, "sys/class/thermal", remove),
    ({"thermal_zone"}, "sys/class/thermal", file_instead),
    ({"thermal_zone"}, "sys/class/thermal/thermal_zone0/temp", garbage("hot\n")),
    ({"uname"}, "proc/sys/kernel/hostname", remove),
    ({"uname"}, "proc/sys/kernel/hostname", directory_instead),
    ({"os"}, "rootfs/usr/lib/os-release", remove),
    ({"os"}, "rootfs/usr/lib/os-release", directory_instead),
    ({"os"}, "rootfs/usr/lib/os-release", garbage('NAME="Ubuntu\n')),
    ({"dispy"}, "proc/4242", dispynode_process("python3 -m dispy.dispynode --cpus=all")),
    ({"vmstat"}, "proc/vmstat", remove),
    ({"vmstat"}, "proc/vmstat", directory_instead),
    ({"vmstat"}, "proc/vmstat", garbage("pgfault many\n")),
    ({"filefd"}, "proc/sys/fs/file-nr", remove),
    ({"filefd"}, "proc/sys/fs/file-nr", directory_instead),
    ({"filefd"}, "proc/sys/fs/file-nr", garbage("1024\n")),
    # A kernel without PSI: no data, as node_exporter reports it.
    ({"pressure"}, "proc/pressure", remove),
    ({"pressure"}, "proc/pressure", file_instead),
    ({"pressure"}, "proc/pressure/io", garbage("some avg10=0.00\n")),
    ({"entropy"}, "proc/sys/kernel/random/entropy_avail", remove),
    ({"entropy"}, "proc/sys/kernel/random/entropy_avail", directory_instead),
    ({"entropy"}, "proc/sys/kernel/random/poolsize", garbage("lots\n")),
    ({"netstat"}, "proc/net/netstat", remove),
    ({"netstat"}, "proc/net/snmp", directory_instead),
    ({"netstat"}, "proc/net/snmp6", garbage("Ip6InOctets many\n")),
    ({"sockstat"}, "proc/net/sockstat", directory_instead),
    ({"sockstat"}, "proc/net/sockstat6", garbage("TCP6: inuse\n")),
    ({"softnet"}, "proc/net/softnet_stat", remove),
    ({"softnet"}, "proc/net/softnet_stat", garbage("00000001 00000002\n")),
    # A kernel without CONFIG_SCHEDSTATS or without nf_conntrack loaded: no data.
    ({"schedstat"}, "proc/schedstat", remove),
    ({"schedstat"}, "proc/schedstat", garbage("version 15\ncpu0 busy\n")),
    ({"conntrack"}, "proc/sys/net/netfilter", remove),
    ({"conntrack"}, "proc/sys/net/netfilter/nf_conntrack_max", directory_instead),
    ({"conntrack"}, "proc/net/stat/nf_conntrack", garbage("entries\n00000001\n")),
    ({"udp_queues"}, "proc/net/udp", directory_instead),
    ({"udp_queues"}, "proc/net/udp6", garbage("  sl  local_address\n  1: 0:0 0:0 07 many\n")),
    ({"arp"}, "proc/net/arp", remove),
    ({"arp"}, "proc/net/arp", garbage("192.0.2.1 eno1\n")),
    ({"processes"}, "proc/sys/kernel/pid_max", directory_instead),
    ({"processes"}, "proc/812/stat", garbage("812 (python3) S\n")),
    ({"interrupts"}, "proc/interrupts", remove),
    ({"interrupts"}, "proc/interrupts", garbage("  CPU0\n  0: lots IO-APIC 2-edge timer\n")),
    ({"cpufreq"}, "sys/devices/system/cpu/offline", remove),
    ({"cpufreq"}, "sys/devices/system/cpu/offline", garbage("two\n")),
    ({"cpufreq"}, f"{POLICY0}/scaling_cur_freq", garbage("fast\n")),
    ({"cpufreq"}, f"{POLICY0}/scaling_cur_freq", directory_instead),
    ({"watchdog"}, "sys/class/watchdog", file_instead),
    ({"watchdog"}, "sys/class/watchdog/watchdog0/timeout", garbage("30s\n")),
    ({"watchdog"}, "sys/class/watchdog/watchdog0/state", directory_instead),
    ({"edac"}, f"{EDAC}/ce_count", remove),
    ({"edac"}, f"{EDAC}/csrow0/ch1_ce_count", garbage("one\n")),
    ({"bonding"}, "sys/class/net/bonding_masters", remove),
    ({"bonding"}, "sys/class/net/bond0/bonding/slaves", directory_instead),
    ({"bonding"}, "sys/class/net/eno2/bonding_slave/mii_status", remove),
    ({"mdadm"}, "proc/mdstat", remove),
    ({"mdadm"}, "proc/mdstat", directory_instead),
    ({"mdadm"}, "proc/mdstat", garbage("md0 : active raid1 sda1[0]\n      many blocks\n\n\n")),
    ({"mdadm"}, "sys/devices/virtual/block/md1/md/degraded", garbage("one\n")),
    ({"powersupplyclass"}, "sys/class/power_supply", file_instead),
    ({"powersupplyclass"}, "sys/class/power_supply/AC/online", garbage("yes\n")),
    ({"powersupplyclass"}, "sys/class/power_supply/AC", file_instead),
    ({"thermal_zone"}, "sys/class/thermal/cooling_device0/cur_state", garbage("cold\n")),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("robustness") / "x86-server"
    shutil.copytree(PRISTINE, root, symlinks=True)
    return root


@pytest.fixture(scope="module")
def exporter(tree: Path) -> Iterator[str]:
    port = free_port()
    argv = [
        EXPORTER,
        f"--web.listen-address=127.0.0.1:{port}",
        f"--path.procfs={tree / 'proc'}",
        f"--path.sysfs={tree / 'sys'}",
        f"--path.rootfs={tree / 'rootfs'}",
        # Off by default: on here so that every file-reading collector is exercised.
        "--collector.processes",
        "--collector.interrupts",
    ]
    with running(argv, log_path=tree.parent / "exporter.log", ready_url=f"http://127.0.0.1:{port}/"):
        yield f"http://127.0.0.1:{port}/metrics"


def scrape(url: str) -> dict[str, list]:
    """{family name: samples} of one scrape in each format, checked to be a 200 and a valid exposition."""
    text = httpx.get(url, timeout=30)
    assert text.status_code == 200
    families = {family.name: family.samples for family in parse_text(text.text)}
    openmetrics = httpx.get(url, headers={"Accept": OPENMETRICS}, timeout=30)
    assert openmetrics.status_code == 200
    assert {family.name for family in parse_openmetrics(openmetrics.text)} >= {
        "node_scrape_collector_success"
    }
    return families


def success(families: dict[str, list]) -> dict[str, float]:
    return {s.labels["collector"]: s.value for s in families["node_scrape_collector_success"]}


def test_the_intact_tree_scrapes_with_every_collector_succeeding(exporter: str) -> None:
    assert success(scrape(exporter)) == dict.fromkeys(RUN, 1.0)


@pytest.mark.parametrize(
    ("failing", "relative", "damage"),
    CASES,
    ids=[f"{relative}-{damage.__name__}" for _, relative, damage in CASES],
)
def test_a_broken_input_fails_only_its_collector(
    exporter: str, tree: Path, failing: set[str], relative: str, damage: Damage
) -> None:
    with damaged(tree, relative, damage):
        got = success(scrape(exporter))
    assert got == {name: 0.0 if name in failing else 1.0 for name in RUN}


def series(families: dict[str, list], **labels: str) -> list[str]:
    """Sample names carrying all of `labels`."""
    return [
        s.name
        for samples in families.values()
        for s in samples
        if all(s.labels.get(k) == v for k, v in labels.items())
    ]


NVME0 = "sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/hwmon/hwmon1"


def test_a_sensor_and_a_chip_vanishing_between_scrapes_leave_no_stale_series(
    exporter: str, tree: Path
) -> None:
    before = scrape(exporter)
    assert "node_hwmon_temp_celsius" in series(before, chip="nvme_nvme0", sensor="temp2")
    assert series(before, chip="nvme_nvme1")
    sensor_files = sorted((tree / NVME0).glob("temp2_*"))
    assert sensor_files
    with contextlib.ExitStack() as stack:
        for path in sensor_files:
            stack.enter_context(damaged(tree, str(path.relative_to(tree)), remove))
        stack.enter_context(damaged(tree, "sys/class/hwmon/hwmon2", remove))
        after = scrape(exporter)
    assert series(after, chip="nvme_nvme0", sensor="temp2") == []
    assert series(after, chip="nvme_nvme1") == []
    assert "node_hwmon_temp_celsius" in series(after, chip="nvme_nvme0", sensor="temp1")
    assert success(after) == dict.fromkeys(RUN, 1.0)


def test_a_statfs_that_never_returns_is_bounded_by_the_mount_timeout() -> None:
    """As node_exporter: the mount gets `node_filesystem_device_error` 1, the collector itself succeeds."""
    exporter = NodeExporter(fixture_config("rpi4", mount_timeout=0.2), RUN)
    hanging = HangingStatfs(fixture_config("rpi4", mount_timeout=0.2))
    exporter.collectors["filesystem"] = hanging
    server = MetricsServer(f"127.0.0.1:{free_port()}", exporter, "/metrics")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        # The hung call waits 30 s: a reply within the client's 10 s means the timeout bounded it.
        response = httpx.get(f"http://{host}:{port}/metrics", timeout=10)
    finally:
        hanging.release.set()
        server.shutdown()
        server.server_close()
    assert response.status_code == 200
    families = {family.name: family.samples for family in parse_text(response.text)}
    errors = {s.labels["mountpoint"]: s.value for s in families["node_filesystem_device_error"]}
    assert errors["/boot/firmware"] == 1.0
    assert errors["/"] == 0.0
    assert series(families, mountpoint="/boot/firmware") == [
        "node_filesystem_readonly",
        "node_filesystem_device_error",
    ]
    assert success(families)["filesystem"] == 1.0


CORETEMP = "sys/devices/platform/coretemp.0/hwmon/hwmon3"


def test_a_sensor_value_that_is_not_a_number_is_skipped_on_its_own(exporter: str, tree: Path) -> None:
    """As node_exporter: one unreadable reading does not cost the chip's other sensors."""
    with damaged(tree, f"{CORETEMP}/temp2_input", garbage("N/A\n")):
        families = scrape(exporter)
    temperatures = {
        s.labels["sensor"]
        for s in families["node_hwmon_temp_celsius"]
        if s.labels["chip"] == "platform_coretemp_0"
    }
    assert temperatures == {"temp1", "temp3"}
    assert "node_hwmon_temp_max_celsius" in series(families, chip="platform_coretemp_0", sensor="temp2")
    assert success(families) == dict.fromkeys(RUN, 1.0)


@pytest.mark.parametrize(
    ("collector", "relative"),
    [
        ("cpufreq", "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"),
        ("watchdog", "sys/class/watchdog/watchdog0/timeout"),
        ("edac", f"{EDAC}/csrow0/ch1_ce_count"),
        ("powersupplyclass", "sys/class/power_supply/AC/online"),
        ("thermal_zone", "sys/class/thermal/cooling_device0/cur_state"),
    ],
)
def test_the_log_names_the_collector_and_the_file_that_is_not_a_number(
    exporter: str, tree: Path, collector: str, relative: str
) -> None:
    log = tree.parent / "exporter.log"
    before = log.read_text()
    with damaged(tree, relative, garbage("not a number\n")):
        assert success(scrape(exporter))[collector] == 0.0
    new = log.read_text()[len(before) :]
    assert f"collector {collector} failed" in new
    assert f"{relative}: expected an integer, got 'not a number'" in new
