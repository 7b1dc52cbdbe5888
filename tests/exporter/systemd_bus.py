"""A private dbus-daemon serving a stand-in org.freedesktop.systemd1, for machines without systemd as init.

The stand-in answers what node_exporter and our collector ask of systemd: Manager.ListUnits and
Properties.Get on the manager and on unit objects (at systemd's escaped paths), with the D-Bus types systemd
uses (NRestarts u, LastTriggerUSec t...). Anything else gets a D-Bus error, as from an older systemd.
"""

from __future__ import annotations

import contextlib
import string
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, Proxy, open_dbus_connection

from tests.support.processes import require_binary, running, wait_until

SYSTEMD = "org.freedesktop.systemd1"
MANAGER_PATH = "/org/freedesktop/systemd1"
SAFE = set(string.ascii_letters + string.digits)


def unit_path(name: str) -> str:
    """systemd's object path for a unit: bytes other than [A-Za-z0-9] become _xx."""
    return "/org/freedesktop/systemd1/unit/" + "".join(c if c in SAFE else f"_{ord(c):02x}" for c in name)


@dataclass
class StandInUnit:
    name: str
    active_state: str
    load_state: str = "loaded"
    sub_state: str = "running"
    # interface suffix (Service, Socket, Timer, Unit...) → property → (D-Bus signature, value)
    properties: dict[str, dict[str, tuple[str, object]]] = field(default_factory=dict)


@dataclass
class StandInSystemd:
    version: str
    virtualization: str
    system_state: str
    units: list[StandInUnit]

    def answer(self, path: str, interface: str, member: str, body: tuple) -> tuple[str, tuple] | None:
        """(signature, body) of the reply, or None for an error."""
        if path == MANAGER_PATH and interface == f"{SYSTEMD}.Manager" and member == "ListUnits":
            rows = [
                (u.name, u.name, u.load_state, u.active_state, u.sub_state, "", unit_path(u.name), 0, "", "/")
                for u in self.units
            ]
            return "a(ssssssouso)", (rows,)
        if interface != "org.freedesktop.DBus.Properties" or member != "Get":
            return None
        owner, name = body
        if path == MANAGER_PATH and owner == f"{SYSTEMD}.Manager":
            manager = {
                "Version": self.version,
                "Virtualization": self.virtualization,
                "SystemState": self.system_state,
            }
            return ("v", (("s", manager[name]),)) if name in manager else None
        for unit in self.units:
            if unit_path(unit.name) == path and owner.startswith(f"{SYSTEMD}."):
                value = unit.properties.get(owner.removeprefix(f"{SYSTEMD}."), {}).get(name)
                return None if value is None else ("v", (value,))
        return None


def serve(connection: DBusConnection, systemd: StandInSystemd, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            message = connection.receive(timeout=0.1)
        except TimeoutError:
            continue
        if message.header.message_type != MessageType.method_call:
            continue
        fields = message.header.fields
        reply = systemd.answer(
            fields[HeaderFields.path],
            fields.get(HeaderFields.interface, ""),
            fields[HeaderFields.member],
            message.body,
        )
        if reply is None:
            connection.send(
                new_error(message, "org.freedesktop.DBus.Error.UnknownProperty", "s", ("no such thing",))
            )
        else:
            connection.send(new_method_return(message, *reply))


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow own="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


@contextlib.contextmanager
def private_bus(directory: Path) -> Iterator[str]:
    """A dbus-daemon of our own on a socket in `directory`, starting no services; yields its address."""
    dbus_daemon = require_binary("dbus-daemon")
    socket = directory / "bus"
    address = f"unix:path={socket}"
    config = directory / "bus.conf"
    config.write_text(BUS_CONFIG.format(address=address))
    argv = [dbus_daemon, f"--config-file={config}", "--nofork", "--nopidfile"]
    with running(argv, log_path=directory / "dbus-daemon.log"):
        wait_until(socket.exists)
        yield address


@contextlib.contextmanager
def serving(address: str, systemd: StandInSystemd) -> Iterator[None]:
    """The stand-in owns org.freedesktop.systemd1 on the bus at `address` for the duration of the block."""
    connection = open_dbus_connection(bus=address)
    try:
        Proxy(message_bus, connection).RequestName(SYSTEMD, 4)  # DO_NOT_QUEUE
        stop = threading.Event()
        thread = threading.Thread(target=serve, args=(connection, systemd, stop), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(5)
    finally:
        connection.close()
