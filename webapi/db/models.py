"""Imports every table module so that `Base.metadata` is complete (for Alembic and for tests)."""

from webapi.alerting.table import AlertRow
from webapi.collection.table import SampleRow
from webapi.inventory.table import NodeRow
from webapi.jobs.idempotency import IdempotencyKey
from webapi.jobs.models import Job, JobCount, JobLog

__all__ = ["AlertRow", "IdempotencyKey", "Job", "JobCount", "JobLog", "NodeRow", "SampleRow"]
