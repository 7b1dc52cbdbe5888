"""The whole migration chain: every revision upgrades from the one before it without losing data."""

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from webapi.db import migrate
from webapi.db.engine import make_engine


def test_history_is_one_line_ending_at_the_placement_revision(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    assert script.get_heads() == ["0004_placement"]
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain == ["0004_placement", "0003_jobs", "0002_monitoring", "0001_base"]
    engine.dispose()


def test_upgrading_from_the_previous_revision_keeps_nodes_samples_and_alerts(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
    migrate.upgrade(engine, "0002_monitoring")
    assert "jobs" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO nodes (name, address, exporter, dispy_port, labels, source, removed) "
                "VALUES ('pi-1', '10.0.0.21', '10.0.0.21:9100', 9701, '{\"rack\": \"a\"}', 'api', 0)"
            )
        )
    migrate.upgrade(engine)
    assert {"jobs", "job_logs"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, address, labels FROM nodes")).all()
    assert [tuple(row) for row in rows] == [("pi-1", "10.0.0.21", '{"rack": "a"}')]
    engine.dispose()


def test_upgrading_from_the_jobs_revision_keeps_jobs_and_adds_placement_and_drains(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'placement.db'}")
    migrate.upgrade(engine, "0003_jobs")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO jobs (name, type, parameters, status, priority, created_at, attempts, "
                "max_retries, progress, cancel_requested, log_bytes) "
                "VALUES ('old', 'echo', '{}', 'succeeded', 5, '2026-11-28 10:00:00', 1, 1, 100, 0, 0)"
            )
        )
    migrate.upgrade(engine)
    assert "node_drains" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT name, placement, peak_temperature_celsius, throttled FROM jobs")
        ).one()
    assert tuple(row) == ("old", None, None, None)
    engine.dispose()
