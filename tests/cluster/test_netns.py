"""tests/support/netns.py: hosts that reach only what they are given, and a box that always goes away."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.support.netns import cluster_in_a_box, entered, namespaces
from tests.support.processes import wait_until


def _has_processes(namespace: str) -> bool:
    return bool(subprocess.run(["ip", "netns", "pids", namespace], check=True, capture_output=True).stdout)


def _connects(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        try:
            sock.connect((host, port))
        except OSError:
            return False
    return True


def test_a_host_given_reach_has_a_route_there_and_nowhere_else():
    with cluster_in_a_box() as box:
        master = box.add_host("master")
        node = box.add_host("node", reach=["master"])
        assert node.routes() == [f"{master.address} dev eth0 scope link"]
        refused = subprocess.run(
            node.argv(["ip", "route", "get", "192.0.2.1"]), capture_output=True, text=True, check=False
        )
        assert refused.returncode != 0 and "unreachable" in refused.stderr
        assert not any(
            "10.77.0." in line
            for line in subprocess.run(
                ["ip", "-4", "addr"], capture_output=True, text=True, check=True
            ).stdout.splitlines()
        ), "an address of the box leaked into the machine's own namespace"


def test_hosts_talk_over_the_bridge_and_not_with_the_cable_out():
    with cluster_in_a_box() as box:
        master = box.add_host("master")
        node = box.add_host("node", reach=["master"])
        with entered(master.namespace):
            listener = socket.create_server((master.address, 0))
        port = listener.getsockname()[1]  # the backlog completes connections: no accept needed
        try:
            assert not _connects(master.address, port), "the machine's own namespace reached the box"
            with entered(node.namespace):
                assert _connects(master.address, port)
            box.set_link("node", up=False)
            with entered(node.namespace):
                assert not _connects(master.address, port)
        finally:
            listener.close()


def test_the_box_is_removed_even_when_the_test_fails():
    with pytest.raises(RuntimeError, match="boom"), cluster_in_a_box() as box:
        box.add_host("master")
        inside = subprocess.Popen(box.hosts["master"].argv(["sleep", "60"]))
        # In the namespace before the box closes (a process still entering it is not listed there).
        wait_until(lambda: _has_processes(box.hosts["master"].namespace))
        names = set(box.namespaces)
        assert names <= set(namespaces())
        raise RuntimeError("boom")
    assert not names & set(namespaces())
    assert inside.wait(timeout=10) != 0


def test_a_box_left_by_a_killed_test_process_is_removed_by_the_next_box():
    gone = subprocess.Popen(["true"])
    gone.wait()  # a test process killed outright: its box was never removed
    left = f"dcb{gone.pid}-1-master"
    subprocess.run(["ip", "netns", "add", left], check=True)
    inside = subprocess.Popen(["ip", "netns", "exec", left, "sleep", "60"])
    try:
        wait_until(lambda: _has_processes(left))
        with cluster_in_a_box() as box:
            assert left not in namespaces() and box.switch in namespaces()
        assert inside.wait(timeout=10) != 0
    finally:
        inside.kill()
        subprocess.run(["ip", "netns", "delete", left], check=False, capture_output=True)
