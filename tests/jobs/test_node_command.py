"""`dispycluster node` starts a dispynode the service can use; it refuses the network without a secret."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from tests.support.jobs import SECRET, Node, submit, wait_done
from tests.support.processes import free_port, running, wait_until


def test_node_command_serves_the_service(make_client, tmp_path):
    port = free_port()
    argv = [sys.executable, "-m", "webapi.cli", "node", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--dest", str(tmp_path / "dest"), "--name", "cli-node", "--cpus", "1"]
    env = {"DISPYCLUSTER_DISPY_SECRET": SECRET}
    with running(argv, log_path=tmp_path / "node.log", env=env) as proc:
        client = make_client([Node("cli-node", "127.0.0.1", port, proc, tmp_path / "node.log")])
        wait_until(lambda: client.app.state.runtime.jobs.node_states()[0].state == "up", timeout=20)
        assert client.app.state.runtime.jobs.node_states()[0].cpus == 1
        # The secret is in no command line (`ps` shows them to every user), only in a private file.
        assert SECRET.encode() not in Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        config = tmp_path / "dest" / "dispynode.conf"
        assert SECRET in config.read_text()
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
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


def test_the_node_gives_up_a_silent_client_within_minutes(tmp_path):
    """dispynode's default zombie interval is an hour: a service restarted after `kill -9` would find its
    nodes still reserved to the dead one for that long."""
    from webapi.jobs.node_command import ZOMBIE_MINUTES, dispynode_argv

    argv = dispynode_argv(host="127.0.0.1", port=free_port(), secret="", dest=tmp_path)
    assert argv[argv.index("--zombie_interval") + 1] == str(ZOMBIE_MINUTES) and ZOMBIE_MINUTES <= 2
