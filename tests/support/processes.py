"""Start real services on loopback for a test and always stop them again, by PID."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from webapi.launcher import stop_group


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def require_binary(name: str, *candidates: str) -> str:
    """Path of a system binary the test needs; skipped (a failure in CI) when it is not installed."""
    for candidate in (name, *candidates):
        found = shutil.which(candidate)
        if found:
            return found
    pytest.skip(f"{name} is not installed (make test installs it when run as root)")


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout} s")


def wait_for_http(url: str, timeout: float = 15.0, verify: ssl.SSLContext | bool = True) -> None:
    wait_until(lambda: httpx.get(url, timeout=1.0, verify=verify).status_code < 500, timeout=timeout)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left of it."""
    stop_group(proc, timeout)


@contextlib.contextmanager
def running(
    argv: Sequence[str],
    *,
    log_path: Path,
    ready_url: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 20.0,
    verify: ssl.SSLContext | bool = True,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `argv` in its own process group for the duration of the block; its output goes to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
    try:
        if ready_url is not None:
            try:
                wait_for_http(ready_url, timeout=timeout, verify=verify)
            except TimeoutError:
                output = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{argv[0]} did not become ready at {ready_url}:\n{output}") from None
        yield proc
    finally:
        stop_process(proc)


def web_service_argv(port: int, host: str = "127.0.0.1") -> list[str]:
    """The command that serves the web service under uvicorn, built by the app factory."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "webapi.app:create_app",
        "--host",
        host,
        "--port",
        str(port),
    ]
