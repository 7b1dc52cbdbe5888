"""`dispycluster up`: the web service plus a local exporter as child processes, on loopback by default.

The local exporter gets a free loopback port and is registered as the inventory node `local`. Other parts
add their own children through `extra_children` (the job side adds a local dispynode). Ctrl-C (or
SIGTERM) stops every child: SIGTERM to its process group, SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

GRACE_SECONDS = 10.0
READY_SECONDS = 30.0


@dataclass
class Child:
    name: str
    argv: list[str]
    ready_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Whether the readiness probe checks the certificate: not for our own HTTPS child on loopback,
    # whose certificate may name only the addresses the operator reaches it by.
    verify: bool = True
    process: subprocess.Popen[bytes] | None = None


@dataclass(frozen=True)
class UpOptions:
    host: str
    port: int
    data_dir: Path
    https: bool = False


# Hooks that add children (e.g. a local dispynode); each gets the options and the exporter address.
extra_children: list[Callable[[UpOptions, str], list[Child]]] = []


def connect_host(host: str) -> str:
    """Where a local client reaches a service bound to `host` (a wildcard bind is reached on loopback)."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(options: UpOptions) -> list[Child]:
    exporter_address = f"127.0.0.1:{free_loopback_port()}"
    exporter = Child(
        "exporter",
        [sys.executable, "-m", "exporter.main", f"--web.listen-address={exporter_address}"],
        ready_url=f"http://{exporter_address}/metrics",
    )
    scheme = "https" if options.https else "http"
    web = Child(
        "web",
        [sys.executable, "-m", "webapi.cli", "web", "--host", options.host, "--port", str(options.port)],
        ready_url=f"{scheme}://{connect_host(options.host)}:{options.port}/api/health",
        verify=not options.https,
        env={
            "DISPYCLUSTER_DATA_DIR": str(options.data_dir),
            "DISPYCLUSTER_LOCAL_EXPORTER": exporter_address,
        },
    )
    extra = [child for hook in extra_children for child in hook(options, exporter_address)]
    return [exporter, *extra, web]


def start(child: Child) -> None:
    child.process = subprocess.Popen(child.argv, env={**os.environ, **child.env}, start_new_session=True)


def wait_ready(child: Child, deadline: float) -> bool:
    while child.ready_url and time.monotonic() < deadline:
        if child.process is not None and child.process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(child.ready_url, timeout=1.0, trust_env=False, verify=child.verify)
            if answer.status_code < 500:
                return True
        time.sleep(0.2)
    return child.ready_url is None


def stop_group(proc: subprocess.Popen[bytes], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM the process group a child leads, then SIGKILL what is left of it after `grace` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def stop(child: Child) -> None:
    if child.process is not None:
        stop_group(child.process)


class StopRequestedError(Exception):
    """Ctrl-C or SIGTERM."""


def _raise_stop(_signum: int, _frame: object) -> None:
    raise StopRequestedError


def run(options: UpOptions) -> int:
    """Start everything, print the URLs, wait until a child dies or we are told to stop."""
    started: list[Child] = []
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for child in children(options):
            start(child)
            started.append(child)
            if not wait_ready(child, time.monotonic() + READY_SECONDS):
                print(
                    f"dispycluster up: {child.name} did not start ({' '.join(child.argv)})", file=sys.stderr
                )
                return 1
            where = f" at {child.ready_url}" if child.ready_url else ""
            print(f"dispycluster up: {child.name} ready{where}", flush=True)
        print("dispycluster up: running; Ctrl-C stops everything", flush=True)
        while True:
            for child in started:
                code = child.process.poll() if child.process else None
                if code is not None:
                    print(f"dispycluster up: {child.name} exited with code {code}", file=sys.stderr)
                    return code or 1
            time.sleep(0.5)
    except StopRequestedError:
        print("dispycluster up: stopping", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in reversed(started):
            stop(child)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
