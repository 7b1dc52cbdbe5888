"""Jobs through a real dispyscheduler (`DISPYCLUSTER_DISPY_SCHEDULER`): a SharedJobCluster instead of
the service's own JobCluster.

The service runs in a process of its own here: dispy keeps one client per process (a singleton that
closing a cluster does not end), and the in-process services of the other tests leave theirs behind."""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.jobs import SECRET, Node, log_text, submit, wait_done, wait_job
from tests.support.processes import free_port, running, wait_until
from webapi.core.settings import SettingsError, load_settings

DISPYSCHEDULER = Path(sys.executable).with_name("dispyscheduler.py")


def _free_pair() -> int:
    """A port P with P and P + 2 free: dispyscheduler `-p P` talks to nodes from P, to clients on P + 2."""
    while True:
        port = free_port()
        try:
            for candidate in (port, port + 2):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as probe:
                        probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port


def _accepting(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


@pytest.fixture
def start_scheduler(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Starts a dispyscheduler on loopback; returns the `host:port` its clients use."""
    with contextlib.ExitStack() as stack:

        def start(cluster_secret: str = SECRET) -> str:
            base = _free_pair()
            argv = [sys.executable, str(DISPYSCHEDULER), "-i", "127.0.0.1", "-n", "127.0.0.1"]
            argv += ["-p", str(base), "--daemon", "--clean", "--pulse_interval", "1"]
            argv += ["--dest_path_prefix", str(tmp_path / "scheduler")]
            argv += ["--node_secret", SECRET, "--cluster_secret", cluster_secret]
            log_path = tmp_path / "dispyscheduler.log"
            stack.enter_context(running(argv, log_path=log_path, cwd=tmp_path))
            try:
                wait_until(lambda: _accepting(base + 2), timeout=20)
            except TimeoutError:
                output = log_path.read_text()[-2000:]
                raise RuntimeError(f"dispyscheduler did not listen:\n{output}") from None
            return f"127.0.0.1:{base + 2}"

        yield start


@pytest.fixture
def start_service(tmp_path: Path) -> Iterator[Callable[..., httpx.Client]]:
    """`dispycluster web` in a subprocess using the scheduler; extra keyword arguments are settings."""
    with contextlib.ExitStack() as stack:

        def start(scheduler: str, nodes: list[Node], **settings: str) -> httpx.Client:
            port = free_port()
            env = {
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "DISPYCLUSTER_DATA_DIR": str(tmp_path / "data"),
                "DISPYCLUSTER_DISPY_PORT": str(free_port()),
                "DISPYCLUSTER_DISPY_SECRET": SECRET,
                "DISPYCLUSTER_DISPY_SCHEDULER": scheduler,
                "DISPYCLUSTER_DISPY_NODES": ",".join(node.spec for node in nodes),
                "DISPYCLUSTER_JOB_RETRY_BACKOFF_S": "0",
            } | {f"DISPYCLUSTER_{key.upper()}": value for key, value in settings.items()}
            url = f"http://127.0.0.1:{port}"
            argv = [sys.executable, "-m", "webapi.cli", "web"]
            log_path = tmp_path / "web.log"
            stack.enter_context(
                running(
                    argv, log_path=log_path, ready_url=f"{url}/api/health", env=env, cwd=tmp_path, timeout=60
                )
            )
            return stack.enter_context(httpx.Client(base_url=url, timeout=10))

        yield start


def _parts(client: httpx.Client) -> dict[str, dict[str, Any]]:
    return {part["name"]: part for part in client.get("/api/cluster/overview").json()["parts"]}


def test_processing_job_runs_through_the_scheduler(start_node, start_scheduler, start_service, tmp_path):
    node = start_node()
    scheduler = start_scheduler()
    client = start_service(scheduler, [])
    # An inventory node: its answer in /api/cluster/nodes carries the dispy side.
    added = client.post(
        "/api/cluster/nodes",
        json={"name": "worker", "address": node.host, "exporter": "127.0.0.1:9", "dispy_port": node.port},
    )
    assert added.status_code == 201, added.text
    job = submit(client, "processing", {"command": ["sh", "-c", "echo shared; echo warn >&2"]})
    done = wait_done(client, job["id"])
    assert done["status"] == "succeeded", done
    assert done["node"] == "worker" and done["result"]["exit_code"] == 0
    logs = log_text(client, job["id"])
    assert "shared" in logs and "warn" in logs
    # The scheduler makes a directory for each client whose computation it took.
    assert (tmp_path / "scheduler" / "127.0.0.1").is_dir()
    route = f"via dispyscheduler {scheduler}"
    dispy_side = {item["name"]: item for item in client.get("/api/cluster/nodes").json()}["worker"]["dispy"]
    assert dispy_side["state"] == "up" and dispy_side["via"] == route, dispy_side
    jobs_part = _parts(client)["jobs"]
    assert jobs_part["status"] == "ok" and route in jobs_part["detail"], jobs_part


def test_cancel_through_the_scheduler_stops_the_command(start_node, start_scheduler, start_service, tmp_path):
    client = start_service(start_scheduler(), [start_node()])
    pid_file = tmp_path / "pid"
    command = ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"]
    job = submit(client, "processing", {"command": command})
    wait_job(client, job["id"], lambda j: j["status"] == "running")
    wait_until(lambda: pid_file.read_text().strip() != "", timeout=20)
    pid = int(pid_file.read_text())
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 202
    assert wait_done(client, job["id"])["status"] == "cancelled"
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), timeout=10)


def test_scheduler_with_another_secret_is_a_clear_message(start_node, start_scheduler, start_service):
    client = start_service(start_scheduler(cluster_secret="another-secret"), [start_node()])
    wait_until(lambda: _parts(client)["jobs"]["status"] == "down", timeout=20)
    assert "--cluster_secret" in _parts(client)["jobs"]["detail"]


@pytest.mark.parametrize(
    ("value", "address"), [("sched.example", ("sched.example", 9702)), ("10.0.0.5:9800", ("10.0.0.5", 9800))]
)
def test_scheduler_setting_defaults_to_port_9702(value, address):
    assert load_settings(dispy_scheduler=value).dispy_scheduler_address == address


def test_scheduler_setting_with_a_bad_port_names_the_variable():
    with pytest.raises(SettingsError, match="DISPYCLUSTER_DISPY_SCHEDULER"):
        load_settings(dispy_scheduler="host:99999")
