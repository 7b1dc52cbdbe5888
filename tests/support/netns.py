"""A cluster in a box: hosts in network namespaces of their own on a private bridge. Root only.

Each host is a namespace with `lo` and one interface `eth0` addressed in SUBNET, plugged into a bridge
that lives in a further namespace (the switch): nothing is added to the machine's own namespace, so
no traffic can leave the box, and no address of the box exists outside it. A host given `reach` gets
a /32 address and a route to those hosts only: it has no route anywhere else.

Everything is named after this process (`dcb<pid>-<n>-...`) and removed by name on the way out, even when
the test fails: first whatever still runs in the box's namespaces (only this test started processes
there), then the namespaces, which takes their interfaces with them. A box left by a test process that
was killed outright is removed by the next box opened.

Sockets of the test process itself reach a host through `entered(namespace)`, which moves the calling
thread into it for the duration of a block (open and use them inside the block).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.processes import running

SUBNET = "10.77.0"
BRIDGE = "br0"
CLONE_NEWNET = 0x40000000
STALE = re.compile(r"^dcb(\d+)-")
_libc = ctypes.CDLL(None, use_errno=True)
_BOX_NUMBERS = itertools.count(1)


def require_root() -> str:
    """The `ip` binary; skipped (a failure in CI, which runs as root) without root or iproute2."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CI runs as root)")
    found = shutil.which("ip")
    if found is None:
        pytest.skip("iproute2 (`ip`) is not installed")
    return found


def _ip(*args: str) -> str:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def namespaces() -> list[str]:
    """The names of the machine's network namespaces (`ip netns list`)."""
    return [line.split()[0] for line in _ip("netns", "list").splitlines() if line.strip()]


def _remove_namespace(namespace: str) -> None:
    """Kills whatever runs in the namespace, then deletes it (its interfaces go with it)."""
    pids = subprocess.run(
        ["ip", "netns", "pids", namespace], capture_output=True, text=True, timeout=30, check=False
    ).stdout.split()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)
    subprocess.run(["ip", "netns", "delete", namespace], capture_output=True, timeout=30, check=False)


def remove_stale_boxes() -> list[str]:
    """Removes the namespaces of boxes whose test process is gone (killed before it could clean up, by
    SIGKILL or a power cut): a box is named after its process, `dcb<pid>-...`. The names removed."""
    stale = [
        name
        for name in namespaces()
        if (match := STALE.match(name)) is not None and not Path(f"/proc/{match[1]}").exists()
    ]
    for name in stale:
        _remove_namespace(name)
    return stale


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


@contextlib.contextmanager
def entered(namespace: str) -> Iterator[None]:
    """The calling thread in `namespace` for the block: sockets opened here live in that namespace."""
    with open("/proc/thread-self/ns/net") as home, open(f"/run/netns/{namespace}") as target:
        _setns(target.fileno())
        try:
            yield
        finally:
            _setns(home.fileno())


@dataclass
class Host:
    name: str
    namespace: str
    address: str

    def argv(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.namespace, *argv]

    def run(
        self, argv: Sequence[str], timeout: float = 300, **kwargs: object
    ) -> subprocess.CompletedProcess[str]:
        """`argv` inside this host; raises with its output when it fails."""
        result = subprocess.run(
            self.argv(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} on {self.name} failed:\n{result.stdout}\n{result.stderr}")
        return result

    @contextlib.contextmanager
    def running(
        self,
        argv: Sequence[str],
        *,
        log_path: Path,
        ready_url: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 60.0,
    ) -> Iterator[subprocess.Popen[bytes]]:
        """`argv` runs in this host for the block (stopped by PID after it); `ready_url` is polled from
        inside the host."""
        with running(self.argv(argv), log_path=log_path, env=env, cwd=cwd) as proc:
            deadline = time.monotonic() + timeout
            while ready_url is not None and not self._answers(ready_url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{argv[0]} on {self.name} not ready at {ready_url}:\n{output}")
                time.sleep(0.1)
            yield proc

    def _answers(self, url: str) -> bool:
        with entered(self.namespace), contextlib.suppress(httpx.HTTPError):
            return httpx.get(url, timeout=1.0, trust_env=False).status_code < 500
        return False

    def routes(self) -> list[str]:
        return _ip("-n", self.namespace, "route", "show").strip().splitlines()


@dataclass
class Box:
    # Unique among the boxes of this process too: a module's box may be open while a test opens another.
    prefix: str = field(default_factory=lambda: f"dcb{os.getpid()}-{next(_BOX_NUMBERS)}")
    hosts: dict[str, Host] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)

    @property
    def switch(self) -> str:
        return f"{self.prefix}-sw"

    def _add_namespace(self, name: str) -> None:
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def open(self) -> None:
        remove_stale_boxes()
        self._add_namespace(self.switch)
        _ip("-n", self.switch, "link", "add", BRIDGE, "type", "bridge")
        _ip("-n", self.switch, "link", "set", BRIDGE, "up")

    def add_host(self, name: str, reach: Sequence[str] | None = None) -> Host:
        """A host at the next address; with `reach`, routes to those hosts and nowhere else."""
        index = len(self.hosts) + 1
        host = Host(name, f"{self.prefix}-{name}", f"{SUBNET}.{index}")
        port = f"p{index}"
        self._add_namespace(host.namespace)
        # Both ends are made inside the host and the peer moved straight to the switch.
        _ip(
            "-n",
            host.namespace,
            "link",
            "add",
            "eth0",
            "type",
            "veth",
            "peer",
            "name",
            port,
            "netns",
            self.switch,
        )
        _ip("-n", self.switch, "link", "set", port, "master", BRIDGE)
        _ip("-n", self.switch, "link", "set", port, "up")
        prefix_length = "32" if reach is not None else "24"
        _ip("-n", host.namespace, "addr", "add", f"{host.address}/{prefix_length}", "dev", "eth0")
        _ip("-n", host.namespace, "link", "set", "eth0", "up")
        for other in reach or ():
            _ip("-n", host.namespace, "route", "add", f"{self.hosts[other].address}/32", "dev", "eth0")
        self.hosts[name] = host
        return host

    def set_link(self, name: str, up: bool) -> None:
        """Plug a host's cable in or out (at the switch: the host keeps its address)."""
        _ip("-n", self.switch, "link", "set", self._port(name), "up" if up else "down")

    def link_up(self, name: str) -> bool:
        """Whether the host's cable is in (its port at the switch is up)."""
        return "state DOWN" not in _ip("-n", self.switch, "link", "show", self._port(name))

    def _port(self, name: str) -> str:
        """The host's port at the switch, numbered like its address."""
        return f"p{list(self.hosts).index(name) + 1}"

    def close(self) -> None:
        for namespace in reversed(self.namespaces):
            _remove_namespace(namespace)
        self.namespaces.clear()


@contextlib.contextmanager
def cluster_in_a_box() -> Iterator[Box]:
    """A box with its switch; add hosts with `box.add_host(...)`. Removed whatever happens."""
    require_root()
    box = Box()
    try:
        box.open()
        yield box
    finally:
        box.close()
