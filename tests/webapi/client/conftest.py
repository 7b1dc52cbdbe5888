"""The service as an operator reaches it from another shell: `dispycluster web` listening beyond loopback
(so the API token is required and written into its data dir), one real dispynode, and the CLI run as a
subprocess."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.jobs import DISPYNODE, SECRET, TERMINAL
from tests.support.processes import free_port, running, wait_until
from tests.support.webservice import run_service

CLI = Path(sys.executable).with_name("dispycluster")
# The CLI's own settings and whatever could send it elsewhere than the service under test.
_STRIPPED = (
    "DISPYCLUSTER_",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@dataclass
class Cluster:
    url: str
    data_dir: Path
    token: str
    tmp: Path
    node: str  # host:port, the name jobs show for a node outside the inventory

    def api(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, trust_env=False)

    def _run_args(self, args: tuple[str, ...], env: dict[str, str] | None) -> dict[str, Any]:
        """The CLI's argv, environment (by default the URL and token) and an empty working directory."""
        base = {key: value for key, value in os.environ.items() if not key.startswith(_STRIPPED)}
        default = {"DISPYCLUSTER_URL": self.url, "DISPYCLUSTER_API_TOKEN": self.token}
        workdir = self.tmp / "cli-cwd"
        workdir.mkdir(exist_ok=True)
        return {
            "args": [str(CLI), *args],
            "env": {**base, **(default if env is None else env)},
            "cwd": workdir,
            "text": True,
        }

    def cli(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """`dispycluster ARGS` run to its end."""
        return subprocess.run(**self._run_args(args, env), capture_output=True, timeout=timeout, check=False)

    @contextlib.contextmanager
    def cli_running(self, *args: str) -> Iterator[subprocess.Popen[str]]:
        """`dispycluster ARGS` running for the block, its stdout and stderr piped; killed if still there."""
        proc = subprocess.Popen(**self._run_args(args, None), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()

    def wait_job(self, job_id: int, statuses: set[str], timeout: float = 40) -> dict[str, Any]:
        seen: dict[str, Any] = {}

        def reached() -> bool:
            with self.api() as api:
                seen.update(api.get(f"/api/jobs/{job_id}").json())
            return seen["status"] in statuses

        wait_until(reached, timeout=timeout, interval=0.1)
        return seen


def _listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


@contextlib.contextmanager
def dispynode(tmp: Path) -> Iterator[str]:
    """One dispynode on loopback (`-p` is the client port: the node listens one above it); host:port."""
    port = free_port()
    argv = [sys.executable, str(DISPYNODE), "-i", "127.0.0.1", "-p", str(port - 1), "--daemon", "--clean"]
    argv += ["--dest_path_prefix", str(tmp / "node"), "-s", SECRET, "--name", "node1"]
    with running(argv, log_path=tmp / "dispynode.log", cwd=tmp):
        wait_until(lambda: _listening(port), timeout=20)
        yield f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cli")
    settings = {
        "dispy_port": str(free_port()),
        "dispy_secret": SECRET,
        "dispy_pulse_interval": "0.5",
        "job_retry_backoff_s": "0",
    }
    with dispynode(tmp) as node, run_service(tmp, host="0.0.0.0", dispy_nodes=node, **settings) as service:
        token = (service.data_dir / "api_token").read_text().strip()
        yield Cluster(service.url, service.data_dir, token, tmp, node)


def ended(cluster: Cluster, job_id: int) -> dict[str, Any]:
    return cluster.wait_job(job_id, TERMINAL)
