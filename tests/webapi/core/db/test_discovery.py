"""Table discovery: every feature's `tables.py` is found, and the migrations create exactly those tables."""

from sqlalchemy import inspect

from tests.support.database import database_url
from webapi.core.db import migrate
from webapi.core.db.discovery import load_tables, table_modules
from webapi.core.db.engine import make_engine


def test_each_features_tables_module_is_found():
    assert set(table_modules()) >= {
        "webapi.inventory.tables",
        "webapi.jobs.tables",
        "webapi.monitoring.alerting.tables",
        "webapi.monitoring.collection.tables",
    }


def test_the_migrations_create_exactly_the_discovered_tables(tmp_path):
    engine = make_engine(database_url(tmp_path / "discovery.db"))
    migrate.upgrade(engine)
    created = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert created == set(load_tables().tables)
