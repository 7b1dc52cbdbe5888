"""Issue 17's proof: a node on an offline LAN is provisioned by the master alone.

The master (`dispycluster web`, with a wheelhouse built from this checkout) and the node live in network
namespaces of their own; the node has an address and a route to the master and nothing else. The node
is installed into a fresh venv by the commands of `install-node.sh --from-master`, starts its exporter
and `dispycluster node`, and once added to the inventory it shows up online, with its dispy side up,
and runs a job.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.netns import Box, cluster_in_a_box, entered
from tests.support.processes import wait_until
from tests.support.wheelhouse import NODE_DISTRIBUTIONS, build_offline, install_steps, installed_distributions

pytestmark = pytest.mark.slow
TOKEN = "box-token-0123456789abcdef"
SECRET = "box-dispy-secret"


@pytest.fixture
def box() -> Iterator[Box]:
    with cluster_in_a_box() as box:
        box.add_host("master")
        box.add_host("node", reach=["master"])
        yield box


def test_a_node_installs_from_the_master_and_joins(box: Box, tmp_path: Path):
    master, node = box.hosts["master"], box.hosts["node"]
    assert node.routes() == [f"{master.address} dev eth0 scope link"]
    data_dir = tmp_path / "master"
    build_offline(data_dir / "wheelhouse")
    web_env = {
        "HOST": master.address,
        "PORT": "8085",
        "DISPYCLUSTER_DATA_DIR": str(data_dir),
        "DISPYCLUSTER_API_TOKEN": TOKEN,
        "DISPYCLUSTER_DISPY_SECRET": SECRET,
        "DISPYCLUSTER_DISPY_HOST": master.address,
        "DISPYCLUSTER_DISPY_PULSE_INTERVAL": "0.5",
        "DISPYCLUSTER_COLLECT_INTERVAL": "1",
        "DISPYCLUSTER_COLLECT_TIMEOUT": "1",
        # SQLite in PostgreSQL runs too: the test server is on the machine's loopback, which the master's
        # namespace has no way to (nor should have).
        "DISPYCLUSTER_DATABASE_URL": f"sqlite:///{data_dir}/dispycluster.db",
    }
    api = f"http://{master.address}:8085"
    with master.running(
        [sys.executable, "-m", "webapi.cli", "web"],
        log_path=tmp_path / "web.log",
        ready_url=f"{api}/api/health",
        env=web_env,
        cwd=tmp_path,
    ):
        prefix = tmp_path / "node"
        for step in install_steps(prefix, "--from-master", master.address):
            node.run(step, cwd=tmp_path)
        venv = prefix / "venv"
        assert set(installed_distributions(venv)) == NODE_DISTRIBUTIONS
        exporter = f"{node.address}:9100"
        with (
            node.running(
                [str(venv / "bin" / "dispycluster-exporter"), f"--web.listen-address={exporter}"],
                log_path=tmp_path / "exporter.log",
                ready_url=f"http://{exporter}/metrics",
            ),
            node.running(
                [str(venv / "bin" / "dispycluster"), "node", "--host", node.address, "--secret", SECRET],
                log_path=tmp_path / "dispynode.log",
                env={"TMPDIR": str(tmp_path)},
            ),
            entered(master.namespace),
            httpx.Client(base_url=api, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client,
        ):
            added = client.post(
                "/api/cluster/nodes", json={"name": "pi", "address": node.address, "exporter": exporter}
            )
            assert added.status_code == 201, added.text

            def summary() -> dict:
                return client.get("/api/cluster/nodes/pi").json()

            wait_until(
                lambda: summary()["status"] == "online" and (summary()["dispy"] or {}).get("state") == "up",
                timeout=60,
            )
            seen = summary()
            assert seen["cpu_percent"] is not None and seen["dispy"]["cpus"] >= 1, seen
            job = client.post(
                "/api/jobs",
                json={"name": "hello", "type": "processing", "parameters": {"command": ["uname", "-n"]}},
            ).json()
            wait_until(
                lambda: client.get(f"/api/jobs/{job['id']}").json()["status"] == "succeeded", timeout=60
            )
            assert client.get(f"/api/jobs/{job['id']}").json()["node"] == "pi"
    log = (tmp_path / "web.log").read_text()
    assert "GET /simple/dispycluster/" in log and f"{node.address}" in log
