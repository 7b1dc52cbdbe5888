"""The service the fuzzers drive: bound to 0.0.0.0 (reached on 127.0.0.1), so auth is on, as on a cluster."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import free_port
from tests.support.webservice import our_exporter, run_service, write_inventory
from tests.support.wheelhouse import TEST_WHEELS

TOKEN = "fuzzing-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def service_data_dir(fuzz_dir: Path) -> Path:
    """Where the fuzzed service keeps its data (`dispycluster token` works on it)."""
    return fuzz_dir / "data"


@pytest.fixture(scope="module")
def service_url(fuzz_dir: Path) -> Iterator[str]:
    tmp_path = fuzz_dir
    exporter = our_exporter(tmp_path)
    inventory = write_inventory(
        tmp_path / "inventory.yml", [{"name": "n1", "address": "127.0.0.1", "exporter": exporter.address}]
    )
    # A wheelhouse with one real wheel, so that /simple/ has projects and files to fuzz around.
    (tmp_path / "data" / "wheelhouse").mkdir(parents=True)
    for wheel in TEST_WHEELS.glob("prometheus_client-*.whl"):
        shutil.copy2(wheel, tmp_path / "data" / "wheelhouse" / wheel.name)
    with (
        exporter.run(),
        run_service(
            tmp_path,
            host="0.0.0.0",
            api_token=TOKEN,
            inventory=str(inventory),
            collect_interval="1",
            collect_timeout="1",
            dispy_port=str(free_port()),
        ) as service,
    ):
        yield service.url
