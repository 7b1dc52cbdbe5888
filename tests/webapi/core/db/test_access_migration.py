"""0006_access: the token and audit tables, as the models declare them, on SQLite and PostgreSQL."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.support.database import database_url
from webapi.core.db import migrate
from webapi.core.db.base import Base
from webapi.core.db.engine import make_engine

TABLES = {"api_tokens", "audit_events"}


def test_upgrade_matches_the_models_and_downgrade_removes_only_its_tables(tmp_path):
    engine = make_engine(database_url(tmp_path / "access.db"))
    migrate.upgrade(engine, "0005_batches")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO nodes (name, address, exporter, dispy_port, labels, source, removed) "
                "VALUES ('n1', 'a', 'a:9100', 9701, '{}', 'file', false)"
            )
        )
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
        assert [d for d in diff if any(table in repr(d) for table in TABLES)] == []
    with engine.begin() as connection:
        config = migrate.alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_batches")
    assert not TABLES & set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM nodes")).scalars().all() == ["n1"]
    engine.dispose()
