"""The cluster in a box (`tests.support.cluster_box`): started once for the tests of this folder that
ask for it (and stopped when they are done, not at the end of the whole run), and put back as it started
before each of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.cluster_box import ClusterBox, cluster_box


@pytest.fixture(scope="package")
def _cluster_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterBox]:
    with cluster_box(tmp_path_factory.mktemp("box")) as box:
        yield box


@pytest.fixture
def cluster(_cluster_box: ClusterBox) -> ClusterBox:
    """The box's three machines (m1 a Pi 4, m2 a Pi 5, m3 an x86 server), as they started; start a service
    with `cluster.service(**settings)`."""
    _cluster_box.reset()
    return _cluster_box
