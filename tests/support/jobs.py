"""Real dispynode processes on loopback and a service wired to them."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.app import in_process_client
from tests.support.processes import free_port, running, wait_until
from webapi.core.settings import load_settings

SECRET = "test-dispy-secret"
DISPYNODE = Path(sys.executable).with_name("dispynode.py")
DISPY_VERSION = version("dispy")
TERMINAL = {"succeeded", "failed", "cancelled", "timed_out", "lost"}


@dataclass
class Node:
    name: str
    host: str
    port: int
    proc: Any
    log_path: Path

    @property
    def spec(self) -> str:
        return f"{self.host}:{self.port}"


def _listening(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=0.5):
        return True


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator[Callable[..., Node]]:
    """Starts a dispynode (`-p` is the client port: the node listens one above it)."""
    with contextlib.ExitStack() as stack:
        count = 0

        def start(
            host: str = "127.0.0.1", secret: str = SECRET, cpus: int | None = None, python: str | None = None
        ) -> Node:
            nonlocal count
            count += 1
            port = free_port(host)
            name = f"node{count}"
            script = Path(python).with_name("dispynode.py") if python else DISPYNODE
            argv = [python or sys.executable, str(script), "-i", host, "-p", str(port - 1), "--daemon"]
            argv += ["--clean", "--dest_path_prefix", str(tmp_path / name), "-s", secret, "--name", name]
            if cpus is not None:
                argv += ["-c", str(cpus)]
            log_path = tmp_path / f"{name}.log"
            proc = stack.enter_context(running(argv, log_path=log_path, cwd=tmp_path))
            try:
                wait_until(lambda: _listening(host, port), timeout=20)
            except TimeoutError:
                raise RuntimeError(f"dispynode did not listen:\n{log_path.read_text()[-2000:]}") from None
            return Node(name, host, port, proc, log_path)

        yield start


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """A started service using the given nodes; extra keyword arguments are settings."""
    with contextlib.ExitStack() as stack:

        def make(nodes: list[Node], data_dir: Path | None = None, **settings: Any) -> TestClient:
            values: dict[str, Any] = {
                "data_dir": data_dir or tmp_path / "data",
                "dispy_port": free_port(),
                "dispy_nodes": [node.spec for node in nodes],
                "dispy_secret": SECRET,
                "dispy_pulse_interval": 0.5,
                "job_retry_backoff_s": 0.0,
                # These nodes run no exporter: its guard would keep every job off them once the
                # collector finds it down (the guards have tests of their own).
                "guard_exporter": False,
            }
            client = in_process_client(load_settings(**(values | settings)))
            return stack.enter_context(client)

        yield make


def submit(client: TestClient, type_: str, parameters: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"name": fields.pop("name", f"{type_} job"), "type": type_, "parameters": parameters, **fields}
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def wait_job(
    client: TestClient, job_id: int, predicate: Callable[[dict[str, Any]], bool], timeout: float = 40.0
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def check() -> bool:
        seen.update(client.get(f"/api/jobs/{job_id}").json())
        return predicate(seen)

    try:
        wait_until(check, timeout=timeout, interval=0.05)
    except TimeoutError:
        raise AssertionError(f"job {job_id} never matched; last seen {seen}") from None
    return dict(seen)


def wait_done(client: TestClient, job_id: int, timeout: float = 40.0) -> dict[str, Any]:
    return wait_job(client, job_id, lambda job: job["status"] in TERMINAL, timeout)


def log_text(client: TestClient, job_id: int) -> str:
    return "\n".join(line["text"] for line in client.get(f"/api/jobs/{job_id}/logs").json()["items"])


@pytest.fixture(scope="session")
def stock_python() -> str:
    """A separate venv with only `pip install dispy psutil` (as on a cluster machine), cached in /tmp."""
    venv = (
        Path(tempfile.gettempdir())
        / f"dispycluster-stock-dispynode-py{sys.version_info[0]}{sys.version_info[1]}"
    )
    python = venv / "bin" / "python"
    if not (venv / "bin" / "dispynode.py").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"dispy=={DISPY_VERSION}", "psutil"], check=True
        )
    probe = subprocess.run([str(python), "-c", "import webapi"], capture_output=True, cwd=venv, check=False)
    assert probe.returncode != 0, "the stock node venv must not see the DispyCluster package"
    return str(python)
