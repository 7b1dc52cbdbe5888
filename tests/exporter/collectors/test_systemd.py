"""The systemd collector against a real D-Bus: a private dbus-daemon serving a stand-in systemd built here,
and, where this machine runs systemd, the real one."""

import json
import logging
import os
import re
import subprocess
from dataclasses import replace

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from exporter.collectors.systemd import SystemdCollector, parse_version
from exporter.config import Config
from exporter.scrape import NodeExporter
from tests.exporter.systemd_bus import StandInSystemd, StandInUnit, private_bus, serving
from tests.exporter.trees import fixture_config, key, samples, types
from tests.support.processes import require_binary

USEC = 1_000_000
UNITS = [
    StandInUnit(
        "ssh.service",
        "active",
        properties={
            "Service": {
                "Type": ("s", "notify"),
                "NRestarts": ("u", 0),
                "TasksCurrent": ("t", 1),
                "TasksMax": ("t", 4915),
            },
            "Unit": {"ActiveEnterTimestamp": ("t", 1_732_870_005 * USEC)},
        },
    ),
    StandInUnit(
        "dispynode.service",
        "active",
        properties={
            "Service": {
                "Type": ("s", "simple"),
                "NRestarts": ("u", 3),
                "TasksCurrent": ("t", 7),
                "TasksMax": ("t", 2**64 - 1),
            },
            "Unit": {"ActiveEnterTimestamp": ("t", 1_732_871_000_500_000)},
        },
    ),
    StandInUnit(
        "backup.service",
        "failed",
        sub_state="failed",
        properties={
            "Service": {"Type": ("s", "oneshot"), "NRestarts": ("u", 5), "TasksCurrent": ("t", 2**64 - 1)}
        },
    ),
    StandInUnit(
        "apt-daily.timer",
        "active",
        sub_state="waiting",
        properties={
            "Timer": {"LastTriggerUSec": ("t", 1_732_900_000 * USEC)},
            "Unit": {"ActiveEnterTimestamp": ("t", 0)},
        },
    ),
    # An older systemd without NRefused: the two other counts are still exported.
    StandInUnit(
        "cups.socket",
        "active",
        sub_state="listening",
        properties={
            "Socket": {"NAccepted": ("u", 12), "NConnections": ("u", 1)},
            "Unit": {"ActiveEnterTimestamp": ("t", 5 * USEC)},
        },
    ),
    StandInUnit(
        "dbus.socket",
        "active",
        sub_state="running",
        properties={
            "Socket": {"NAccepted": ("u", 40), "NConnections": ("u", 9), "NRefused": ("u", 2)},
            "Unit": {"ActiveEnterTimestamp": ("t", 6 * USEC)},
        },
    ),
    StandInUnit(
        "boot-firmware.mount", "active", sub_state="mounted", properties={"Mount": {"Type": ("s", "vfat")}}
    ),
    StandInUnit("dev-nvme0n1.device", "active", sub_state="plugged"),
    StandInUnit("nfs-server.service", "inactive", load_state="not-found", sub_state="dead"),
    StandInUnit("apt-daily-upgrade.service", "activating", sub_state="start"),
    StandInUnit("multi-user.target", "active", sub_state="active"),
]
STANDIN = StandInSystemd(version="252.38-1~deb12u1", virtualization="", system_state="degraded", units=UNITS)


@pytest.fixture(scope="module")
def bus_address(tmp_path_factory):
    with private_bus(tmp_path_factory.mktemp("dbus")) as address, serving(address, STANDIN):
        yield address


@pytest.fixture
def standin(bus_address, monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address)
    return bus_address


def unit_states(got, name):
    return {
        dict(labels)["state"]: value
        for (metric, labels), value in got.items()
        if metric == "node_systemd_unit_state" and dict(labels)["name"] == name
    }


def test_unit_states_summary_version_and_system_state_by_default(standin):
    families = SystemdCollector(Config()).collect()
    got = samples(families)
    # Mounts and devices are excluded by default, units that are not loaded always.
    assert {dict(labels)["name"] for metric, labels in got if metric == "node_systemd_unit_state"} == {
        "ssh.service",
        "dispynode.service",
        "backup.service",
        "apt-daily.timer",
        "cups.socket",
        "dbus.socket",
        "apt-daily-upgrade.service",
        "multi-user.target",
    }
    assert unit_states(got, "backup.service") == {
        "active": 0.0,
        "activating": 0.0,
        "deactivating": 0.0,
        "inactive": 0.0,
        "failed": 1.0,
    }
    assert got[key("node_systemd_unit_state", name="ssh.service", state="active", type="notify")] == 1.0
    # Only services and mounts have a Type; this one's cannot be read: empty, as upstream.
    assert (
        got[key("node_systemd_unit_state", name="apt-daily-upgrade.service", state="activating", type="")]
        == 1.0
    )
    assert got[key("node_systemd_unit_state", name="cups.socket", state="active", type="")] == 1.0
    # The summary counts every unit systemd lists.
    assert {dict(labels)["state"]: v for (m, labels), v in got.items() if m == "node_systemd_units"} == {
        "active": 8.0,
        "activating": 1.0,
        "deactivating": 0.0,
        "inactive": 1.0,
        "failed": 1.0,
    }
    assert got[key("node_systemd_version", version="252.38-1~deb12u1")] == 252.38
    assert got[key("node_systemd_virtualization_info", virtualization_type="none")] == 1.0
    assert got[key("node_systemd_system_running")] == 0.0
    assert got[key("node_systemd_timer_last_trigger_seconds", name="apt-daily.timer")] == 1_732_900_000.0
    assert got[key("node_systemd_socket_accepted_connections_total", name="dbus.socket")] == 40.0
    assert got[key("node_systemd_socket_current_connections", name="dbus.socket")] == 9.0
    assert got[key("node_systemd_socket_refused_connections_total", name="dbus.socket")] == 2.0
    assert got[key("node_systemd_socket_accepted_connections_total", name="cups.socket")] == 12.0
    assert key("node_systemd_socket_refused_connections_total", name="cups.socket") not in got
    assert not any(
        m.startswith(("node_systemd_service_restart", "node_systemd_unit_tasks", "node_systemd_unit_start"))
        for m, _ in got
    )
    assert types(families)["node_systemd_socket_accepted_connections"] == "counter"
    # Typed as node_exporter types it: a gauge, whatever its name says.
    assert types(families)["node_systemd_socket_refused_connections_total"] == "gauge"
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_systemd_unit_state"] == "Systemd unit"
    assert (
        help_texts["node_systemd_system_running"]
        == "Whether the system is operational (see 'systemctl is-system-running')"
    )


def test_restarts_start_times_and_tasks_when_asked(standin):
    config = Config(systemd_restarts=True, systemd_start_time=True, systemd_tasks=True)
    families = SystemdCollector(config).collect()
    got = samples(families)
    restarts = {
        dict(labels)["name"]: v for (m, labels), v in got.items() if m == "node_systemd_service_restart_total"
    }
    # apt-daily-upgrade.service has no NRestarts (systemd before 235): left out.
    assert restarts == {"ssh.service": 0.0, "dispynode.service": 3.0, "backup.service": 5.0}
    assert types(families)["node_systemd_service_restart"] == "counter"
    assert got[key("node_systemd_unit_start_time_seconds", name="dispynode.service")] == 1_732_871_000.5
    assert got[key("node_systemd_unit_start_time_seconds", name="backup.service")] == 0.0
    assert got[key("node_systemd_unit_tasks_current", name="dispynode.service")] == 7.0
    assert got[key("node_systemd_unit_tasks_max", name="ssh.service")] == 4915.0
    # 2^64-1 means "not counted" / "no limit": no sample.
    assert key("node_systemd_unit_tasks_max", name="dispynode.service") not in got
    assert key("node_systemd_unit_tasks_current", name="backup.service") not in got


def test_include_and_exclude_match_whole_unit_names(standin):
    config = replace(
        Config(), systemd_unit_include=re.compile(r".+\.service"), systemd_unit_exclude=re.compile("ssh")
    )
    got = samples(SystemdCollector(config).collect())
    names = {dict(labels)["name"] for metric, labels in got if metric == "node_systemd_unit_state"}
    # `ssh` does not match all of `ssh.service`, so it excludes nothing.
    assert names == {"ssh.service", "dispynode.service", "backup.service", "apt-daily-upgrade.service"}


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("252.38-1~deb12u1", (252.38, "252.38-1~deb12u1")),
        ("v257.1", (257.1, "v257.1")),
        ("", (0.0, "")),
        ("??", (0.0, "")),
    ],
)
def test_version(text, parsed):
    assert parse_version(text) == parsed


def test_no_bus_fails_the_collector_with_the_address_in_the_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/nobody-listens")
    with pytest.raises(
        ConnectionError, match=r"cannot connect to the system bus at unix:path=.*/nobody-listens"
    ):
        SystemdCollector(Config()).collect()


def systemd_address():
    """The real system bus when systemd runs this machine, else the stand-in's private bus."""
    return None if os.path.isdir("/run/systemd/system") else "standin"


def test_unit_counts_agree_with_busctl(request, monkeypatch):
    """Checked with systemd's own D-Bus client: against the real systemd where there is one."""
    busctl = require_binary("busctl")
    if systemd_address() is None:
        monkeypatch.delenv("DBUS_SYSTEM_BUS_ADDRESS", raising=False)
        where = ["--system"]
    else:
        address = request.getfixturevalue("bus_address")
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
        where = [f"--address={address}"]
    got = samples(SystemdCollector(Config()).collect())
    listed = subprocess.run(
        [
            busctl,
            *where,
            "--json=short",
            "call",
            "org.freedesktop.systemd1",
            "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager",
            "ListUnits",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (rows,) = json.loads(listed.stdout)["data"]
    expected = {}
    for row in rows:
        expected[row[3]] = expected.get(row[3], 0) + 1
    summary = {dict(labels)["state"]: v for (m, labels), v in got.items() if m == "node_systemd_units"}
    assert {state: count for state, count in summary.items() if count} == expected


class GarbledSystemd(StandInSystemd):
    """Answers ListUnits with rows of the wrong shape, as no systemd does."""

    def answer(self, path, interface, member, body):
        if member == "ListUnits":
            return "a(ss)", ([("ssh.service", "loaded")],)
        return super().answer(path, interface, member, body)


def scrape_with_systemd(address, monkeypatch, caplog):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
    exporter = NodeExporter(fixture_config("rpi5"), ["systemd", "loadavg"], exporter_metrics=False)
    with caplog.at_level(logging.ERROR):
        text = generate_latest(exporter.registry()).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    success = {s.labels["collector"]: s.value for s in families["node_scrape_collector_success"].samples}
    return success, families, " ".join(record.getMessage() for record in caplog.records)


def test_a_bus_without_systemd_fails_only_the_systemd_collector(tmp_path, monkeypatch, caplog):
    with private_bus(tmp_path) as address:
        success, families, log = scrape_with_systemd(address, monkeypatch, caplog)
    assert success == {"systemd": 0.0, "loadavg": 1.0}
    assert not any(name.startswith("node_systemd") for name in families)
    assert "collector systemd failed" in log
    assert "org.freedesktop.DBus.Error.ServiceUnknown" in log


def test_a_garbled_answer_fails_only_the_systemd_collector(tmp_path, monkeypatch, caplog):
    garbled = GarbledSystemd(version="252", virtualization="", system_state="running", units=[])
    with private_bus(tmp_path) as address, serving(address, garbled):
        success, families, log = scrape_with_systemd(address, monkeypatch, caplog)
    assert success == {"systemd": 0.0, "loadavg": 1.0}
    assert not any(name.startswith("node_systemd") for name in families)
    assert "collector systemd failed" in log
