"""A service bound beyond loopback (auth on), shared by the security tests of one module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.jobs import make_client, start_node
from tests.support.processes import free_port
from tests.support.webservice import Service, run_service

TOKEN = "security-token-0123456789abcdef"

__all__ = ["TOKEN", "make_client", "start_node"]


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`HOST=0.0.0.0` with a configured token, reached on 127.0.0.1."""
    tmp_path = tmp_path_factory.mktemp("exposed")
    with run_service(tmp_path, host="0.0.0.0", api_token=TOKEN, dispy_port=str(free_port())) as service:
        yield service
