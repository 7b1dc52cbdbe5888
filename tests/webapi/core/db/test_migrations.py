"""The whole migration chain: every revision upgrades from the one before it without losing data."""

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from webapi.core.db import migrate
from webapi.core.db.engine import make_engine


def test_history_is_one_line(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    assert script.get_heads() == ["0007_placement"]
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain == [
        "0007_placement",
        "0006_access",
        "0005_batches",
        "0004_live_output",
        "0003_jobs",
        "0002_monitoring",
        "0001_base",
    ]
    engine.dispose()


def test_a_database_url_with_escaped_characters_reaches_alembic_unchanged(tmp_path):
    # A password with `%`, a socket directory in `?host=`: the URL escapes them with `%`, which
    # Alembic's configparser options took for an interpolation (start-up failed with a ValueError).
    directory = tmp_path / "with%percent"
    directory.mkdir()
    engine = make_engine(f"sqlite:///{directory / 'escaped.db'}")
    config = migrate.alembic_config(engine)
    assert config.get_main_option("sqlalchemy.url") == engine.url.render_as_string(hide_password=False)
    migrate.upgrade(engine)
    assert "jobs" in inspect(engine).get_table_names()
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


def test_log_lines_written_before_live_output_get_attempt_0(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'logs.db'}")
    migrate.upgrade(engine, "0003_jobs")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO jobs (id, name, type, parameters, status, priority, created_at, attempts, "
                "max_retries, progress, cancel_requested, log_bytes) VALUES (1, 'j', 'processing', '{}', "
                "'succeeded', 5, '2026-11-29 00:00:00', 1, 0, 100, 0, 3)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO job_logs (job_id, at, stream, text) "
                "VALUES (1, '2026-11-29 00:00:01', 'stdout', 'hi')"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT stream, text, attempt FROM job_logs")).all()
    assert [tuple(row) for row in rows] == [("stdout", "hi", 0)]
    engine.dispose()
