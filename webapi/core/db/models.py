"""Imports every table module so that `Base.metadata` is complete (for Alembic and for tests)."""

from webapi.inventory.tables import NodeRow
from webapi.jobs.tables import Job, JobCount, JobLog
from webapi.monitoring.alerting.tables import AlertRow
from webapi.monitoring.collection.tables import SampleRow

__all__ = ["AlertRow", "Job", "JobCount", "JobLog", "NodeRow", "SampleRow"]
