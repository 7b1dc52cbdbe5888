"""Persistence: SQLAlchemy 2 engine and session factory, declarative base, Alembic migrations."""
