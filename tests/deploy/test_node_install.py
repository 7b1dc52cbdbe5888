"""A compute node's install, offline, from the master's /simple/ index (on loopback): the base install only.

The master is `dispycluster web` serving a wheelhouse built from this checkout; the node's venv is made by
the commands deploy/install-node.sh prints for `--index-url`, with no other package source.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import free_port, running
from tests.support.webservice import Service, run_service
from tests.support.wheelhouse import NODE_DISTRIBUTIONS, build_offline, install_steps, installed_distributions

pytestmark = pytest.mark.slow
MAX_PACKAGES = 8
MAX_BYTES = 25 * 1024 * 1024
SERVER_COMMANDS = [
    ["web"],
    ["up"],
    ["dashboards", "--out", "x"],
    ["rules", "--out", "x"],
    ["wheelhouse", "build"],
    ["job", "list"],
]


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp_path = tmp_path_factory.mktemp("master")
    build_offline(tmp_path / "data" / "wheelhouse")
    with run_service(tmp_path) as service:
        yield service


@pytest.fixture(scope="module")
def node_venv(master: Service, tmp_path_factory: pytest.TempPathFactory) -> Path:
    prefix = tmp_path_factory.mktemp("node")
    for step in install_steps(prefix, "--index-url", f"{master.url}/simple/"):
        subprocess.run(step, check=True, capture_output=True, timeout=300)
    return prefix / "venv"


def _run(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_node_install_is_the_base_only_and_small(node_venv: Path):
    sizes = installed_distributions(node_venv)
    assert set(sizes) == NODE_DISTRIBUTIONS
    assert len(sizes) <= MAX_PACKAGES
    assert sum(sizes.values()) <= MAX_BYTES, sizes


def test_the_node_side_imports_without_the_server_dependencies(node_venv: Path):
    """What the exporter, `dispycluster node` and dispy's task runtime import, on the base install."""
    modules = [
        "exporter.main",
        "webapi.cli",
        "webapi.jobs.node_command",
        "webapi.jobs.node_runtime",
        "webapi.jobs.tasks.analysis_node",
        "webapi.jobs.tasks.processing_node",
        "webapi.jobs.tasks.scraping_node",
        "dispy",
        "psutil",
    ]
    result = _run(node_venv, "python", "-c", f"import {', '.join(modules)}; import fastapi")
    # Everything imports; the server's first dependency is not there at all.
    assert "No module named 'fastapi'" in result.stderr, result.stderr
    assert _run(node_venv, "python", "-c", f"import {', '.join(modules)}").returncode == 0


@pytest.mark.parametrize("command", SERVER_COMMANDS, ids=lambda c: c[0])
def test_a_server_command_says_in_one_line_what_to_install(node_venv: Path, command: list[str]):
    result = _run(node_venv, "dispycluster", *command)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"dispycluster {command[0]} runs on the master" in lines[0]
    assert "pip install 'dispycluster[server]'" in lines[0] and "fastapi" in lines[0]


def test_the_node_commands_run_on_the_base_install(node_venv: Path, tmp_path: Path):
    assert _run(node_venv, "dispycluster", "--help").returncode == 0
    refused = _run(node_venv, "dispycluster", "node", "--host", "192.0.2.1")
    assert refused.returncode == 2 and "needs a secret" in refused.stderr
    address = f"127.0.0.1:{free_port()}"
    exporter = [str(node_venv / "bin" / "dispycluster-exporter"), f"--web.listen-address={address}"]
    with running(exporter, log_path=tmp_path / "exporter.log", ready_url=f"http://{address}/metrics"):
        page = httpx.get(f"http://{address}/metrics", timeout=10, trust_env=False).text
    assert "node_cpu_seconds_total" in page


def test_pip_got_every_file_from_the_master(master: Service, node_venv: Path):
    """The index lists exactly the node install's projects, and pip fetched each one's file there."""
    page = httpx.get(f"{master.url}/simple/", timeout=10, trust_env=False).text
    log = master.log.read_text()
    for project in sorted(NODE_DISTRIBUTIONS):
        assert f'href="{project}/"' in page
        assert f"GET /simple/{project}/{project.replace('-', '_')}-" in log, project
    assert "fastapi" not in page
