"""Side by side with Debian's node_exporter on this machine: same families, labels, label values, values."""

import subprocess

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter import config
from tests.exporter.collectors.test_systemd import STANDIN
from tests.exporter.systemd_bus import private_bus, serving
from tests.exporter.trees import EXPORTER, fixture_flags
from tests.support.processes import free_port, require_binary, running

COLLECTORS = [
    "cpu",
    "loadavg",
    "meminfo",
    "filesystem",
    "diskstats",
    "netdev",
    "hwmon",
    "thermal_zone",
    "stat",
]
COLLECTORS += ["time", "uname", "os", "netclass", "timex", "vmstat", "filefd", "pressure", "entropy"]
COLLECTORS += ["netstat", "sockstat", "softnet", "schedstat", "conntrack", "arp", "processes", "interrupts"]
COLLECTORS += ["udp_queues"]
# Off by default in both: turned on for the comparison.
ENABLED = ["--collector.processes", "--collector.interrupts"]
# Hardware collectors (what this machine lacks, both must report the same way: no data or nothing to list).
HARDWARE = ["cpufreq", "edac", "bonding", "mdadm", "powersupplyclass"]
COLLECTORS += HARDWARE
# The same filters for both: Debian patches node_exporter's defaults (mount points, netdev's ^lo$).
FILTERS = [
    f"--collector.filesystem.mount-points-exclude={config.MOUNT_POINTS_EXCLUDE}",
    f"--collector.filesystem.fs-types-exclude={config.FS_TYPES_EXCLUDE}",
    f"--collector.diskstats.device-exclude={config.DISKSTATS_DEVICE_EXCLUDE}",
    "--collector.netdev.device-exclude=^lo$",
]
# In upstream's current default netstat field filter, not yet in 1.5's: camelCase like the others.
NEWER_THAN_1_5 = ("node_netstat_TcpExt_TCPOFOQueue ", "node_netstat_TcpExt_TCPRcvQDrop ")
NOT_COMPARED = {
    "node_scrape_collector_duration_seconds",
    "node_scrape_collector_success",
    "node_exporter_build_info",
}
DEFAULT_TOLERANCE = (0.05, 0.01)
MEMORY_TOLERANCE = (64 * 2**20, 0.05)
# Gauges that move on their own between scrapes: (absolute, relative) tolerance around node_exporter's.
TOLERANCE = {
    "node_procs_running": (20.0, 0.0),
    "node_procs_blocked": (20.0, 0.0),
    "node_load1": (1.0, 0.0),
    "node_load5": (1.0, 0.0),
    "node_load15": (1.0, 0.0),
    "node_time_seconds": (5.0, 0.0),
    # Every process on the machine opens and closes files between the three scrapes.
    "node_filefd_allocated": (200.0, 0.0),
    # Connections come and go: this test's own and those of whatever else runs on the machine.
    "node_netstat_Tcp_CurrEstab": (50.0, 0.0),
}
# Families of gauges that move on their own, by name prefix: (absolute, relative) tolerance.
PREFIX_TOLERANCE = {
    "node_memory_": MEMORY_TOLERANCE,
    "node_filesystem_": MEMORY_TOLERANCE,
    "node_sockstat_": (200.0, 0.2),
    "node_processes_": (50.0, 0.1),
}
# Process and thread states come and go between scrapes (a `D` or `R` for a moment): only the label names
# must match, and the values of the states both saw.
TRANSIENT_LABEL_VALUES = {"node_processes_state", "node_processes_threads_state"}


def tolerance(name):
    if name in TOLERANCE:
        return TOLERANCE[name]
    return next((t for prefix, t in PREFIX_TOLERANCE.items() if name.startswith(prefix)), DEFAULT_TOLERANCE)


def node_families(*scrapes):
    """Names of the node_* families every scrape has, without the per-collector scrape metrics."""
    return set.intersection(*({n for n in f if n.startswith("node_")} for f in scrapes)) - NOT_COMPARED


def families(text):
    """{family name: (type, {labels tuple: value})} from the text format; counters keep their `_total`."""
    result = {}
    for family in text_string_to_metric_families(text):
        samples = {tuple(sorted(s.labels.items())): s.value for s in family.samples}
        name = family.name + "_total" if family.type == "counter" else family.name
        result[name] = (family.type, samples)
    return result


def scrape(url, collectors):
    response = httpx.get(url, params={"collect[]": collectors}, timeout=30)
    response.raise_for_status()
    return response.text


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    """node_exporter scraped before and after ours, each restricted to the same collectors and filters."""
    node_exporter = require_binary("prometheus-node-exporter", "node_exporter")
    logs = tmp_path_factory.mktemp("parity")
    theirs_port, ours_port = free_port(), free_port()
    theirs_argv = [node_exporter, f"--web.listen-address=127.0.0.1:{theirs_port}", *FILTERS, *ENABLED]
    ours_argv = [EXPORTER, f"--web.listen-address=127.0.0.1:{ours_port}", *FILTERS, *ENABLED]
    theirs_url, ours_url = f"http://127.0.0.1:{theirs_port}/metrics", f"http://127.0.0.1:{ours_port}/metrics"
    with (
        running(theirs_argv, log_path=logs / "node_exporter.log", ready_url=theirs_url),
        running(ours_argv, log_path=logs / "ours.log", ready_url=ours_url),
    ):
        # Warm both up once (our cpu collector starts its monotonic state on the first scrape).
        scrape(ours_url, COLLECTORS)
        before = scrape(theirs_url, COLLECTORS)
        ours = scrape(ours_url, COLLECTORS)
        after = scrape(theirs_url, COLLECTORS)
    return families(before), families(ours), families(after), before, ours


def test_we_export_every_family_node_exporter_exports(side_by_side):
    before, ours, _, _, _ = side_by_side
    theirs_names = {name for name in before if name.startswith("node_")} - NOT_COMPARED
    assert theirs_names - set(ours) == set()


def test_same_types_label_names_and_label_values(side_by_side):
    before, ours, after, _, _ = side_by_side
    shared = node_families(before, ours, after)
    assert len(shared) > 80
    for name in sorted(shared):
        their_type, their_samples = before[name]
        our_type, our_samples = ours[name]
        assert our_type == their_type, name
        label_names = {tuple(k for k, _ in labels) for labels in their_samples}
        assert {tuple(k for k, _ in labels) for labels in our_samples} == label_names, name
        if name == "node_time_zone_offset_seconds":
            assert our_samples.keys() == their_samples.keys()
            continue
        if name in TRANSIENT_LABEL_VALUES:
            continue
        # Devices and mounts may come and go between the scrapes: ours must match one of node_exporter's.
        assert our_samples.keys() in (their_samples.keys(), after[name][1].keys()), name


def test_hardware_collectors_succeed_or_fail_as_node_exporters_do(side_by_side):
    _, _, _, theirs_text, ours_text = side_by_side
    theirs, ours = collector_success(theirs_text), collector_success(ours_text)
    assert {name: ours[name] for name in HARDWARE} == {name: theirs[name] for name in HARDWARE}


def test_values_within_tolerance(side_by_side):
    before, ours, after, _, _ = side_by_side
    mismatches = []
    for name in sorted(node_families(before, ours, after)):
        absolute, relative = tolerance(name)
        for labels, value in ours[name][1].items():
            readings = [s[labels] for s in (before[name][1], after[name][1]) if labels in s]
            if not readings and name in TRANSIENT_LABEL_VALUES:
                continue
            low, high = min(readings), max(readings)
            slack = absolute + relative * max(abs(low), abs(high))
            if not low - slack <= value <= high + slack:
                mismatches.append((name, labels, value, low, high))
    assert mismatches == []


def test_promtool_finds_nothing_in_ours_that_it_does_not_find_in_node_exporters(side_by_side):
    promtool = require_binary("promtool")
    _, _, _, theirs_text, ours_text = side_by_side

    def problems(text):
        result = subprocess.run(
            [promtool, "check", "metrics"], check=False, input=text, capture_output=True, text=True
        )
        return {line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()}

    theirs = problems(theirs_text)
    assert theirs, "promtool is expected to flag node_exporter's own camelCase meminfo names"
    assert {line for line in problems(ours_text) - theirs if not line.startswith(NEWER_THAN_1_5)} == set()


# Families node_exporter added after Debian's 1.5, which ours export as upstream does today.
FAMILIES_ADDED_SINCE_1_5 = {
    "node_cpu_frequency_avg_hertz",
    "node_cpu_scaling_governor",
    "node_edac_channel_correctable_errors_total",
    "node_edac_channel_uncorrectable_errors_total",
    "node_md_degraded",
    "node_md_raid_disks",
    "node_systemd_virtualization_info",
}
# HELP texts upstream has recapitalised since 1.5 (`cpu` → `CPU`).
RECASED_SINCE_1_5 = {
    "node_cpu_frequency_hertz",
    "node_cpu_frequency_min_hertz",
    "node_cpu_frequency_max_hertz",
}
# Fixture tree → collectors whose input it has and node_exporter 1.5 can read (its thermal_zone fails on the
# x86 tree's disabled zone without a temperature, and 1.5 has no watchdog collector).
FIXTURE_COLLECTORS = {
    "x86-server": ["cpufreq", "edac", "bonding", "mdadm", "powersupplyclass", "hwmon"],
    "rpi4": ["cpufreq", "hwmon", "thermal_zone"],
    "rpi5": ["cpufreq", "hwmon", "thermal_zone"],
}


def exposition(text):
    """{family name: (type, HELP, {labels: value})} of the node_* families, scrape metrics aside."""
    result = {}
    for family in text_string_to_metric_families(text):
        name = family.name + "_total" if family.type == "counter" else family.name
        if name.startswith("node_") and name not in NOT_COMPARED and name not in FAMILIES_ADDED_SINCE_1_5:
            samples = {tuple(sorted(s.labels.items())): s.value for s in family.samples}
            result[name] = (family.type, family.documentation, samples)
    return result


def side_by_side_with(flags, log_dir, env=None):
    """node_exporter and ours started with the same flags, each scraped once."""
    node_exporter = require_binary("prometheus-node-exporter", "node_exporter")
    texts = []
    for name, binary in (("node_exporter", node_exporter), ("ours", EXPORTER)):
        port = free_port()
        url = f"http://127.0.0.1:{port}/metrics"
        argv = [binary, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults", *flags]
        with running(argv, log_path=log_dir / f"{name}.log", ready_url=url, env=env):
            texts.append(httpx.get(url, timeout=30).text)
    return exposition(texts[0]), exposition(texts[1]), texts


def collector_success(text):
    (family,) = [f for f in text_string_to_metric_families(text) if f.name == "node_scrape_collector_success"]
    return {s.labels["collector"]: s.value for s in family.samples}


def assert_same(theirs, ours):
    assert ours.keys() == theirs.keys()
    for name in sorted(theirs):
        their_type, their_help, their_samples = theirs[name]
        our_type, our_help, our_samples = ours[name]
        assert our_type == their_type, name
        if name in RECASED_SINCE_1_5:
            our_help, their_help = our_help.lower(), their_help.lower()
        assert our_help == their_help, name
        assert our_samples == pytest.approx(their_samples), name


@pytest.mark.parametrize("tree", sorted(FIXTURE_COLLECTORS))
def test_sysfs_collectors_read_a_fixture_tree_as_node_exporter_does(tree, tmp_path):
    collectors = FIXTURE_COLLECTORS[tree]
    flags = [*fixture_flags(tree), *(f"--collector.{name}" for name in collectors)]
    theirs, ours, texts = side_by_side_with(flags, tmp_path)
    for text in texts:
        assert collector_success(text) == dict.fromkeys(collectors, 1.0), text
    assert len(theirs) >= 3
    assert_same(theirs, ours)


def test_systemd_over_the_same_bus_as_node_exporter(tmp_path):
    """Both read the stand-in systemd on a private dbus-daemon; 1.5 excludes targets by default, so say it."""
    flags = [
        "--collector.systemd",
        "--collector.systemd.enable-restarts-metrics",
        "--collector.systemd.enable-start-time-metrics",
        "--collector.systemd.enable-task-metrics",
        f"--collector.systemd.unit-exclude={config.SYSTEMD_UNIT_EXCLUDE}",
    ]
    with private_bus(tmp_path) as address, serving(address, STANDIN):
        theirs, ours, _ = side_by_side_with(flags, tmp_path, env={"DBUS_SYSTEM_BUS_ADDRESS": address})
    assert "node_systemd_socket_refused_connections_total" in theirs
    assert_same(theirs, ours)
