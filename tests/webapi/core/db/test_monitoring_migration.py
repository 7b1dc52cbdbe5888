from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.support.database import database_url
from webapi.core.db import migrate
from webapi.core.db.base import Base
from webapi.core.db.engine import make_engine
from webapi.inventory.tables import NodeRow
from webapi.monitoring.alerting.tables import AlertRow
from webapi.monitoring.collection.tables import SampleRow

MONITORING_TABLES = {"nodes", "metric_samples", "alerts"}


def engine_at(tmp_path):
    return make_engine(database_url(tmp_path / "migrations.db"))


def test_upgrade_from_an_empty_database_matches_the_models(tmp_path):
    engine = engine_at(tmp_path)
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= MONITORING_TABLES
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    ours = [
        d
        for d in diff
        if any(t in repr(d) for t in (NodeRow.__tablename__, SampleRow.__tablename__, AlertRow.__tablename__))
    ]
    assert ours == []
    engine.dispose()


def test_upgrade_from_the_previous_revision_keeps_the_base(tmp_path):
    engine = engine_at(tmp_path)
    migrate.upgrade(engine, "0001_base")
    assert not MONITORING_TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= MONITORING_TABLES
    engine.dispose()


def test_downgrade_and_upgrade_again(tmp_path):
    engine = engine_at(tmp_path)
    migrate.upgrade(engine, "0002_monitoring")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO nodes (name, address, exporter, dispy_port, labels, source, removed) "
                "VALUES ('n1', 'a', 'a:9100', 9701, '{}', 'file', false)"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM nodes")).scalars().all() == ["n1"]
    with engine.begin() as connection:
        config = migrate.alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "0001_base")
    assert not MONITORING_TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= MONITORING_TABLES
    engine.dispose()
