"""Imports every table module so that `Base.metadata` is complete (for Alembic and for tests)."""

from webapi.alerting.table import AlertRow
from webapi.collection.table import SampleRow
from webapi.inventory.table import NodeRow
from webapi.jobs.models import Job, JobCount, JobLog
from webapi.nodecontrol.tables import NodeDrain

__all__ = ["AlertRow", "Job", "JobCount", "JobLog", "NodeDrain", "NodeRow", "SampleRow"]
