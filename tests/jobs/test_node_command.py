"""`dispycluster node` starts a dispynode the service can use; it refuses the network without a secret."""

from __future__ import annotations

import subprocess
import sys

from tests.jobs.conftest import SECRET, Node, submit, wait_done
from tests.support.processes import free_port, running, wait_until


def test_node_command_serves_the_service(make_client, tmp_path):
    port = free_port()
    argv = [sys.executable, "-m", "webapi.cli", "node", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--secret", SECRET, "--dest", str(tmp_path / "dest"), "--name", "cli-node", "--cpus", "1"]
    with running(argv, log_path=tmp_path / "node.log") as proc:
        client = make_client([Node("cli-node", "127.0.0.1", port, proc, tmp_path / "node.log")])
        wait_until(lambda: client.app.state.jobs.node_states()[0].state == "up", timeout=20)
        assert client.app.state.jobs.node_states()[0].cpus == 1
        job = wait_done(client, submit(client, "processing", {"command": ["true"]})["id"])
        assert job["status"] == "succeeded"


def test_node_command_needs_a_secret_off_loopback():
    result = subprocess.run(
        [sys.executable, "-m", "webapi.cli", "node", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 2
    assert "needs a secret" in result.stderr
