"""The cluster in a box (`tests.support.cluster_box`): started once for the tests of this folder that
ask for it (and stopped when they are done, not at the end of the whole run), and put back as it started
before each of them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

from tests.support.cluster_box import ClusterBox, cluster_box
from tests.support.database import DATABASE_URL_ENV, postgres_requested


@pytest.fixture(scope="package")
def _cluster_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterBox]:
    with cluster_box(tmp_path_factory.mktemp("box")) as box:
        yield box


@pytest.fixture
def cluster(request: pytest.FixtureRequest, _cluster_box: ClusterBox) -> ClusterBox:
    """The box's three machines (m1 a Pi 4, m2 a Pi 5, m3 an x86 server), as they started, and a fresh
    database for the test's services (start one with `cluster.service(**settings)`). In the PostgreSQL
    run that is the test's own database, reached through the server's Unix socket: its loopback port is
    out of the namespaces' reach."""
    database_url = None
    if postgres_requested():
        name = make_url(os.environ[DATABASE_URL_ENV]).database
        database_url = request.getfixturevalue("postgres").socket_url(name)
    _cluster_box.reset(database_url)
    return _cluster_box
