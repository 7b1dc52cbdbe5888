"""Suite-wide hooks: in CI a skipped test is a failure, so a missing package can never hide behind a skip.

With `DISPYCLUSTER_TEST_DATABASE=postgresql` every test (and every module, for module-scoped services)
gets a fresh database on a throwaway PostgreSQL server through `DISPYCLUSTER_DATABASE_URL`, which the
service subprocesses inherit and `tests.support.database.database_url` hands to engines built in tests.
That run leaves out the directories whose tests cannot depend on the database (`DATABASE_FREE`): they
would run exactly as in the SQLite run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.database import DATABASE_URL_ENV, postgres_requested

# The shared fixtures live with their helpers in tests/support/ (registered here for the whole suite);
# a module comes before the ones that import it, so that pytest can still rewrite its asserts.
pytest_plugins = [
    "tests.support.webservice",
    "tests.support.monitored_cluster",
    "tests.support.jobs",
    "tests.support.dispatcher_harness",
    "tests.support.ui",
]


# The exporter, the alert rules and dashboards use no database; the browser tests drive the pages, whose
# every read and write goes through the API that the other directories test on both databases.
DATABASE_FREE = ("exporter", "alerts", "dashboards", "ui")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not postgres_requested():
        return
    tests_dir = Path(__file__).parent
    skipped = {tests_dir / name for name in DATABASE_FREE}
    kept, deselected = [], []
    for item in items:
        (deselected if skipped.intersection(item.path.parents) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped tests fail the run when CI=true: {reason}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """The session's PostgreSQL server (only in PostgreSQL mode)."""
    from tests.support.postgres import postgres_server

    with postgres_server() as server:
        yield server


def _fresh_database(request: pytest.FixtureRequest, patch: pytest.MonkeyPatch) -> Iterator[None]:
    if not postgres_requested():
        yield
        return
    with request.getfixturevalue("postgres").database() as url:
        patch.setenv(DATABASE_URL_ENV, url)
        yield


@pytest.fixture(scope="module", autouse=True)
def _module_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """For module-scoped services, which start before any per-test fixture."""
    with pytest.MonkeyPatch.context() as patch:
        yield from _fresh_database(request, patch)


@pytest.fixture(autouse=True)
def _test_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _fresh_database(request, monkeypatch)
