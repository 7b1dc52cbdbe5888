"""Jobs cannot be turned against the cluster: no shell for commands, no private targets for scraping.

The wrong-secret case (a node refused and reported in `/api/cluster/health`) is covered by
`tests/jobs/test_lifecycle.py::test_wrong_secret_is_reported_per_node`, the redirect case by
`tests/jobs/test_tasks_scraping.py::test_redirect_to_a_refused_address_is_not_followed`.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

from tests.jobs.site import serving
from tests.support.jobs import log_text, submit, wait_done
from webapi.jobs.tasks.scraping_node import Policy, RefusedTargetError

SHELL_TEXT = ["$HOME", "a; echo injected", "`id`", "$(id)", "*"]


def _loopback_names() -> list[str]:
    """Names from /etc/hosts that resolve to loopback (what `127.0.0.1.nip.io` would do online)."""
    names = set()
    with open("/etc/hosts") as hosts:
        for line in hosts:
            fields = line.split("#")[0].split()
            if len(fields) >= 2 and ipaddress.ip_address(fields[0]).is_loopback:
                names.update(name for name in fields[1:] if socket.gethostbyname(name).startswith("127."))
    return sorted(names)


def test_processing_passes_arguments_literally(start_node, make_client) -> None:
    client = make_client([start_node()])
    done = wait_done(client, submit(client, "processing", {"command": ["echo", *SHELL_TEXT]})["id"])
    assert done["status"] == "succeeded", done
    assert " ".join(SHELL_TEXT) in log_text(client, done["id"])


@pytest.mark.parametrize("command", [["sh -c", "echo hi"], ["echo $HOME"], ["true; echo hi"]])
def test_a_shell_line_is_not_a_program(start_node, make_client, command: list[str]) -> None:
    client = make_client([start_node()])
    done = wait_done(client, submit(client, "processing", {"command": command}, max_retries=0)["id"])
    assert done["status"] == "failed", done
    assert command[0] in (done["error"] or "") + log_text(client, done["id"])


def test_scraping_refuses_names_that_resolve_to_loopback(start_node, make_client) -> None:
    names = _loopback_names()
    assert "localhost" in names
    client = make_client([start_node()])
    with serving() as site:
        port = site.base.rsplit(":", 1)[1]
        jobs = [
            submit(client, "scraping", {"start_url": f"http://{name}:{port}/"}, max_retries=0)
            for name in names
        ]
        finished = [wait_done(client, job["id"]) for job in jobs]
        assert site.requests == []
    for job in finished:
        assert job["status"] == "failed" and "loopback/private/link-local" in job["error"], job


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]:8080/",
        "http://0.0.0.0/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "file:///etc/passwd",
        "ftp://example.org/",
    ],
)
def test_the_scraping_policy_refuses_non_public_targets(url: str) -> None:
    """IP literals only: resolving them contacts nobody."""
    with pytest.raises(RefusedTargetError):
        Policy({}).check(url)


def test_the_operator_can_allow_private_targets() -> None:
    Policy({"allow_private": True}).check("http://192.168.1.1/")
    Policy({"allow_hosts": ["10.1.2.3"]}).check("http://10.1.2.3/")
    with pytest.raises(RefusedTargetError):
        Policy({"allow_hosts": ["10.1.2.3"]}).check("http://10.1.2.4/")
