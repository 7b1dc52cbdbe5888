"""Imports every table module so that `Base.metadata` is complete (for Alembic and for tests)."""
