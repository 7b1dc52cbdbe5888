"""Imports every table module so that `Base.metadata` is complete (for Alembic and for tests)."""

from webapi.access.tables import TokenRow
from webapi.alerting.table import AlertRow
from webapi.audit.tables import AuditRow
from webapi.collection.table import SampleRow
from webapi.inventory.table import NodeRow
from webapi.jobs.models import Job, JobCount, JobLog

__all__ = ["AlertRow", "AuditRow", "Job", "JobCount", "JobLog", "NodeRow", "SampleRow", "TokenRow"]
