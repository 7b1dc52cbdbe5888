"""Unit states, service restarts, socket connections and timers from systemd over D-Bus (`node_systemd_*`).

Off by default, as upstream. The collector talks to org.freedesktop.systemd1 on the system bus (or the bus in
DBUS_SYSTEM_BUS_ADDRESS) with jeepney, a pure-Python D-Bus client without dependencies. One connection per
scrape, as node_exporter; the property reads are pipelined in batches below dbus-daemon's limit on pending
replies, so a Pi with a few hundred units answers in one round trip per batch instead of one per property.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from jeepney import (
    DBusAddress,
    DBusErrorResponse,
    HeaderFields,
    Message,
    MessageType,
    Properties,
    new_method_call,
)
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from prometheus_client.core import Metric

from exporter.collectors.base import Family, counter, gauge
from exporter.config import Config

SYSTEMD = "org.freedesktop.systemd1"
MANAGER = DBusAddress("/org/freedesktop/systemd1", bus_name=SYSTEMD, interface=f"{SYSTEMD}.Manager")
SYSTEM_BUS = "unix:path=/var/run/dbus/system_bus_socket"
UNIT_STATES = ["active", "activating", "deactivating", "inactive", "failed"]
VERSION = re.compile(r"[0-9]{3,}(\.[0-9]+)?")
# systemd 212 brought the manager's SystemState and timers' LastTriggerUSec.
MIN_VERSION_SYSTEM_STATE = 212
# dbus-daemon's system bus allows 128 pending replies per connection; stay well below.
BATCH = 64
TIMEOUT = 10.0
NO_LIMIT = 2**64 - 1
SOCKET_COUNTS = ("NAccepted", "NConnections", "NRefused")
INTERFACES = {kind: f"{SYSTEMD}.{kind.capitalize()}" for kind in ("service", "mount", "socket", "timer")}
# (object path, interface, property) → value, None where systemd answered with an error.
Reads = dict[tuple[str, str, str], Any]


@dataclass(frozen=True)
class Unit:
    name: str
    load_state: str
    active_state: str
    path: str


def parse_units(body: Iterable[tuple[Any, ...]]) -> list[Unit]:
    """ListUnits' a(ssssssouso): name, description, load, active, sub, following, path, job..."""
    return [Unit(name=row[0], load_state=row[2], active_state=row[3], path=row[6]) for row in body]


def parse_version(text: str) -> tuple[float, str]:
    """(number, full string) of the Version property (`252.38-1~deb12u1` → 252.38); (0, "") if unknown."""
    match = VERSION.search(text)
    if match is None:
        return 0.0, ""
    return float(match[0]), text


def selected(units: list[Unit], include: re.Pattern[str], exclude: re.Pattern[str]) -> list[Unit]:
    """Loaded units matching the include and not the exclude pattern (both anchored, as upstream)."""
    return [
        unit
        for unit in units
        if include.fullmatch(unit.name) and not exclude.fullmatch(unit.name) and unit.load_state == "loaded"
    ]


def unit_summary(units: list[Unit]) -> dict[str, float]:
    """Units per active state, over every unit systemd lists (before filtering)."""
    summary = dict.fromkeys(UNIT_STATES, 0.0)
    for state, count in Counter(unit.active_state for unit in units).items():
        summary[state] = float(count)
    return summary


def variant(result: Any) -> Any:
    """The value of a Properties.Get reply body (one variant: signature, value); None for an error reply."""
    return None if isinstance(result, DBusErrorResponse) else result[0][1]


class Bus:
    """Method calls on one connection, sent in batches and answered in any order."""

    def __init__(self, connection: DBusConnection) -> None:
        self._connection = connection

    def call_many(self, messages: list[Message]) -> list[Any]:
        """Each message's reply body, or the DBusErrorResponse it got."""
        results: list[Any] = []
        for start in range(0, len(messages), BATCH):
            batch = messages[start : start + BATCH]
            serials = []
            for message in batch:
                serial = next(self._connection.outgoing_serial)
                self._connection.send(message, serial=serial)
                serials.append(serial)
            replies: dict[int, Any] = {}
            while len(replies) < len(serials):
                reply = self._connection.receive(timeout=TIMEOUT)
                serial = reply.header.fields.get(HeaderFields.reply_serial)
                if serial is None:
                    continue  # a signal such as NameAcquired
                if reply.header.message_type == MessageType.error:
                    replies[serial] = DBusErrorResponse(reply)
                else:
                    replies[serial] = reply.body
            results.extend(replies[serial] for serial in serials)
        return results

    def properties(self, requests: list[tuple[str, str, str]]) -> list[Any]:
        """Values of (object path, interface, property); None where systemd answered with an error."""
        messages = [
            Properties(DBusAddress(path, bus_name=SYSTEMD, interface=interface)).get(name)
            for path, interface, name in requests
        ]
        return [variant(result) for result in self.call_many(messages)]


class SystemdCollector:
    name: ClassVar[str] = "systemd"
    default_enabled: ClassVar[bool] = False

    def __init__(self, config: Config) -> None:
        self._include = config.systemd_unit_include
        self._exclude = config.systemd_unit_exclude
        self._restarts = config.systemd_restarts
        self._start_time = config.systemd_start_time
        self._tasks = config.systemd_tasks

    def collect(self) -> list[Metric]:
        try:
            connection = open_dbus_connection(bus="SYSTEM")
        except OSError as error:
            # Not FileNotFoundError: a collector the operator turned on must say it cannot reach systemd.
            address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", SYSTEM_BUS)
            raise ConnectionError(f"cannot connect to the system bus at {address}: {error}") from None
        try:
            return list(self._collect(Bus(connection)))
        finally:
            connection.close()

    def _collect(self, bus: Bus) -> Iterator[Family]:
        # Two round trips in all: the manager's properties with the unit list, then every unit property.
        manager = Properties(MANAGER)
        version_reply, virtualization_reply, state_reply, listed = bus.call_many(
            [
                manager.get("Version"),
                manager.get("Virtualization"),
                manager.get("SystemState"),
                new_method_call(MANAGER, "ListUnits"),
            ]
        )
        if isinstance(listed, DBusErrorResponse):
            raise listed
        version_text, virtualization, state = map(variant, (version_reply, virtualization_reply, state_reply))
        version, version_label = parse_version(version_text or "")
        family = gauge("node_systemd_version", "Detected systemd version", ["version"])
        family.add_metric([version_label], version)
        yield family
        family = gauge(
            "node_systemd_virtualization_info", "Detected virtualization technology", ["virtualization_type"]
        )
        family.add_metric(["unknown" if virtualization is None else virtualization or "none"], 1.0)
        yield family

        units = parse_units(listed[0])
        family = gauge("node_systemd_units", "Summary of systemd unit states", ["state"])
        for unit_state, count in unit_summary(units).items():
            family.add_metric([unit_state], count)
        yield family

        units = selected(units, self._include, self._exclude)
        recent = version >= MIN_VERSION_SYSTEM_STATE
        wanted = self._wanted(units, recent)
        read = dict(zip(wanted, bus.properties(wanted), strict=True))
        yield from self._unit_states(units, read)
        if self._start_time:
            yield self._start_times(units, read)
        if self._tasks:
            yield from self._task_counts(units, read)
        if recent:
            yield self._timers(units, read)
        yield from self._sockets(units, read)
        if recent:
            if state is None:
                raise RuntimeError("systemd did not answer its SystemState")
            family = gauge(
                "node_systemd_system_running",
                "Whether the system is operational (see 'systemctl is-system-running')",
            )
            family.add_metric([], 1.0 if state == "running" else 0.0)
            yield family

    def _wanted(self, units: list[Unit], recent: bool) -> list[tuple[str, str, str]]:
        """(object path, interface, property) of every unit property this scrape reads."""
        wanted = []
        for unit in units:
            kind = unit.name[unit.name.rfind(".") + 1 :]
            if kind in ("service", "mount"):
                # A service's or mount's Type labels its states (`simple`, `forking`, `notify`...).
                wanted.append((unit.path, INTERFACES[kind], "Type"))
            if kind == "service":
                wanted += [(unit.path, INTERFACES[kind], p) for p in ("NRestarts",) if self._restarts]
                wanted += [
                    (unit.path, INTERFACES[kind], p) for p in ("TasksCurrent", "TasksMax") if self._tasks
                ]
            if self._start_time and unit.active_state == "active":
                wanted.append((unit.path, f"{SYSTEMD}.Unit", "ActiveEnterTimestamp"))
            if kind == "timer" and recent:
                wanted.append((unit.path, INTERFACES[kind], "LastTriggerUSec"))
            if kind == "socket":
                wanted += [
                    (unit.path, INTERFACES[kind], p) for p in ("NAccepted", "NConnections", "NRefused")
                ]
        return wanted

    def _unit_states(self, units: list[Unit], read: Reads) -> Iterator[Family]:
        family = gauge("node_systemd_unit_state", "Systemd unit", ["name", "state", "type"])
        for unit in units:
            kind = unit.name[unit.name.rfind(".") + 1 :]
            unit_type = read.get((unit.path, INTERFACES.get(kind, ""), "Type")) or ""
            for state in UNIT_STATES:
                family.add_metric([unit.name, state, unit_type], float(state == unit.active_state))
        yield family
        if self._restarts:
            family = counter(
                "node_systemd_service_restart_total", "Service unit count of Restart triggers", ["name"]
            )
            for unit in units:
                count = read.get((unit.path, f"{SYSTEMD}.Service", "NRestarts"))
                if count is not None:  # services only; NRestarts came with systemd 235
                    family.add_metric([unit.name], float(count))
            yield family

    def _start_times(self, units: list[Unit], read: Reads) -> Family:
        family = gauge(
            "node_systemd_unit_start_time_seconds",
            "Start time of the unit since unix epoch in seconds.",
            ["name"],
        )
        for unit in units:
            if unit.active_state != "active":
                family.add_metric([unit.name], 0.0)
            elif (stamp := read.get((unit.path, f"{SYSTEMD}.Unit", "ActiveEnterTimestamp"))) is not None:
                family.add_metric([unit.name], stamp / 1e6)
        return family

    def _task_counts(self, units: list[Unit], read: Reads) -> Iterator[Family]:
        for prop, metric, documentation in (
            ("TasksCurrent", "node_systemd_unit_tasks_current", "Current number of tasks per Systemd unit"),
            ("TasksMax", "node_systemd_unit_tasks_max", "Maximum number of tasks per Systemd unit"),
        ):
            family = gauge(metric, documentation, ["name"])
            for unit in units:
                value = read.get((unit.path, f"{SYSTEMD}.Service", prop))
                # systemd answers 2^64-1 for "no limit" / "not counted".
                if value is not None and value != NO_LIMIT:
                    family.add_metric([unit.name], float(value))
            yield family

    def _timers(self, units: list[Unit], read: Reads) -> Family:
        family = gauge(
            "node_systemd_timer_last_trigger_seconds", "Seconds since epoch of last trigger.", ["name"]
        )
        for unit in units:
            usec = read.get((unit.path, f"{SYSTEMD}.Timer", "LastTriggerUSec"))
            if usec is not None:
                family.add_metric([unit.name], usec / 1e6)
        return family

    def _sockets(self, units: list[Unit], read: Reads) -> Iterator[Family]:
        accepted = counter(
            "node_systemd_socket_accepted_connections_total",
            "Total number of accepted socket connections",
            ["name"],
        )
        current = gauge(
            "node_systemd_socket_current_connections", "Current number of socket connections", ["name"]
        )
        # A gauge despite its _total name, exactly as node_exporter types it.
        refused = gauge(
            "node_systemd_socket_refused_connections_total",
            "Total number of refused socket connections",
            ["name"],
        )
        for unit in units:
            n_accepted, n_connections, n_refused = (
                read.get((unit.path, f"{SYSTEMD}.Socket", p))
                for p in ("NAccepted", "NConnections", "NRefused")
            )
            # As upstream: a socket whose counts cannot be read is skipped; NRefused came with systemd 239.
            if n_accepted is None:
                continue
            accepted.add_metric([unit.name], float(n_accepted))
            if n_connections is None:
                continue
            current.add_metric([unit.name], float(n_connections))
            if n_refused is not None:
                refused.add_metric([unit.name], float(n_refused))
        yield from (accepted, current, refused)
