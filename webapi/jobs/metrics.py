"""The jobs' Prometheus series (listed in README.md, "Jobs"), on the default registry."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()

_WAIT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
_RUN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400)

JOBS_SUBMITTED = Counter("dispycluster_jobs_submitted", "Jobs accepted by POST /api/jobs.", ["type"])
JOBS_ENDED = Counter(
    "dispycluster_jobs", "Job attempts that reached a terminal state.", ["type", "status", "node"]
)
JOB_RETRIES = Counter("dispycluster_job_retries", "Jobs queued again (automatic or requested).", ["type"])
JOBS_DISPATCHED = Counter("dispycluster_jobs_dispatched", "Job attempts handed to dispy.", ["type"])
LATE_RESULTS = Counter(
    "dispycluster_job_late_results",
    "Ends of job attempts the service had already given up (lost, stopped): logged, not applied.",
    ["type", "node"],
)
QUEUE_WAIT = Histogram(
    "dispycluster_job_queue_wait_seconds", "From due to dispatched.", ["type"], buckets=_WAIT_BUCKETS
)
RUN_TIME = Histogram(
    "dispycluster_job_run_seconds", "From running to a terminal state.", ["type"], buckets=_RUN_BUCKETS
)
JOBS_QUEUED = Gauge("dispycluster_jobs_queued", "Jobs waiting in the service's queue.")
JOBS_RUNNING = Gauge("dispycluster_jobs_running", "Jobs dispatched to dispy or running on a node.")
NODE_SCHEDULABLE = Gauge(
    "dispycluster_node_schedulable",
    "1 while the node takes new jobs, 0 while it is drained or a guard keeps jobs off it.",
    ["node"],
)
