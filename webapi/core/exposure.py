"""Is a request from this machine only? Decided from the sockets the server really listens on.

The service needs no token only when everything about a request says loopback: the port it came in on
is listened on at loopback addresses only (read from this process's own listening sockets, whatever
started the server: `dispycluster web`, plain uvicorn, a socket handed over by systemd), the peer is a
loopback address, the `Host` names loopback and no proxy forwarded it. Anything unknown — an in-process
test client, a Unix socket, a platform without `/proc/self/fd` — counts as exposed: a token is required.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import stat
from collections.abc import Callable, Iterable

from starlette.types import Scope

LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
# A proxy in front makes the service reachable from wherever the proxy is.
FORWARDING_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-real-ip"})
_FD_DIRS = ("/proc/self/fd", "/dev/fd")


# Asked twice per request (peer and `Host`) for the same few values; parsing an address costs more than
# the rest of the access check.
@functools.lru_cache(maxsize=1024)
def is_loopback_address(host: str) -> bool:
    """True for an IP literal (bracketed or not) in 127.0.0.0/8 or ::1, and `localhost`."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _host_name(host_header: str) -> str:
    """The name part of a `Host` value: `[::1]:8085` → `[::1]`, `localhost:8085` → `localhost`."""
    if host_header.startswith("["):
        return host_header.split("]", 1)[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def _fds() -> Iterable[int]:
    for directory in _FD_DIRS:
        try:
            return [int(name) for name in os.listdir(directory)]
        except (OSError, ValueError):
            continue
    return []


def listening_addresses(port: int) -> list[str]:
    """The addresses this process listens on for TCP `port` (empty when none is found)."""
    found = []
    for fd in _fds():
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:  # closed meanwhile, or not a socket Python can wrap
            continue
        with sock:
            try:
                if (
                    sock.family in (socket.AF_INET, socket.AF_INET6)
                    and sock.type == socket.SOCK_STREAM
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                    and sock.getsockname()[1] == port
                ):
                    found.append(str(sock.getsockname()[0]))
            except OSError:
                continue
    return found


class Exposure:
    """Answers `local_only(scope)`; the listening sockets of each local port are looked up once."""

    def __init__(self, on_decided: Callable[[int, list[str], bool], None] | None = None) -> None:
        self._port_is_local: dict[int, bool] = {}
        self._on_decided = on_decided

    def port_is_local(self, port: int) -> bool:
        known = self._port_is_local.get(port)
        if known is None:
            addresses = listening_addresses(port)
            known = bool(addresses) and all(is_loopback_address(address) for address in addresses)
            self._port_is_local[port] = known
            if self._on_decided is not None:
                self._on_decided(port, addresses, known)
        return known

    def local_only(self, scope: Scope) -> bool:
        server, client = scope.get("server"), scope.get("client")
        if not server or not client or not isinstance(server[1], int):
            return False
        if not is_loopback_address(str(client[0])):
            return False
        host = b""
        for name, value in scope["headers"]:
            if name in FORWARDING_HEADERS:
                return False
            if name == b"host":
                host = value
        if not host or not is_loopback_address(_host_name(host.decode("latin-1"))):
            return False
        return self.port_is_local(server[1])
