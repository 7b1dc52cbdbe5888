"""The whole migration chain: every revision upgrades from the one before it without losing data."""

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from webapi.db import migrate
from webapi.db.engine import make_engine


def test_history_is_one_line_ending_at_the_access_revision(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    assert script.get_heads() == ["0006_access"]
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain == ["0006_access", "0003_jobs", "0002_monitoring", "0001_base"]
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
