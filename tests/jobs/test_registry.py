"""Task types come from the `dispycluster.tasks` entry points, built-in or from another distribution."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.jobs import submit, wait_done
from webapi.jobs.registry import ENTRY_POINT_GROUP, Registry


@pytest.fixture
def sample_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed distribution (a dist-info on sys.path) declaring the `sample` task type."""
    info = tmp_path / "site" / "sample_tasks-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sample-tasks\nVersion: 1.0\n")
    points = (
        "sample = tests.jobs.sample_task_type:TASK\nbroken = tests.jobs.nowhere:TASK\n"
        "future = tests.jobs.sample_task_type:FROM_THE_FUTURE\n"
    )
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{points}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))


def test_built_in_types_are_registered():
    assert Registry.from_entry_points().names() == ["analysis", "processing", "scraping"]


def test_node_source_is_the_whole_standard_library_module():
    task = Registry.from_entry_points().get("processing")
    assert task is not None and task.entry == "run"
    assert "import subprocess" in task.node_source and "pydantic" not in task.node_source


def test_a_distributions_type_is_listed_and_runs_on_a_node(sample_distribution, start_node, make_client):
    registry = Registry.from_entry_points()
    assert "sample" in registry.names() and {"broken", "future"}.isdisjoint(registry.names())
    client = make_client([start_node()])
    types = {item["name"]: item for item in client.get("/api/jobs/types").json()}
    assert types["sample"]["parameters"]["properties"]["text"]["maxLength"] == 100
    assert client.post("/api/jobs", json={"name": "s", "type": "sample", "parameters": {}}).status_code == 422
    done = wait_done(client, submit(client, "sample", {"text": "dispy"})["id"])
    assert done["status"] == "succeeded" and done["result"] == {"reversed": "ypsid"}
