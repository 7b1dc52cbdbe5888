"""Jobs: per type, what was submitted, how it ended, how long it waited and ran, and where it ran.

Raw queries on the web service's `/metrics` (scrape job `dispycluster`); the `type` variable lists the
job types that were ever submitted.
"""

from __future__ import annotations

from grafanalib.core import Dashboard

from alerts.signals import SERVICE
from dashboards.common import Layout, dashboard, query_variable, stat, steps, timeseries

UID = "dispycluster-jobs"
SEL = f'{SERVICE},type=~"$type"'
RATE = "$__rate_interval"
FAILED = 'status=~"failed|timed_out"'
FINISHED = f'{SEL},status!="cancelled"'


def _count(status: str) -> str:
    # `or vector(0)`: a state no job has reached yet has no series at all, and "0" is the honest answer.
    return f"sum(increase(dispycluster_jobs_total{{{SEL},{status}}}[$__range])) or vector(0)"


def _quantiles(histogram: str) -> list[tuple[str, str]]:
    return [
        (
            f"histogram_quantile({q}, sum by (type, le) (rate({histogram}_bucket{{{SEL}}}[{RATE}])))",
            f"p{round(q * 100)} {{{{type}}}}",
        )
        for q in (0.5, 0.95)
    ]


def build() -> Dashboard:
    layout = Layout()
    red_from_1 = steps(("green", None), ("red", 1))
    layout.row(
        "Totals over the time range",
        (
            stat(
                "Submitted",
                f"sum(increase(dispycluster_jobs_submitted_total{{{SEL}}}[$__range])) or vector(0)",
                "none",
            ),
            6,
            4,
        ),
        (stat("Succeeded", _count('status="succeeded"'), "none"), 6, 4),
        (stat("Failed or timed out", _count(FAILED), "none", thresholds=red_from_1), 6, 4),
        (stat("Lost", _count('status="lost"'), "none", thresholds=red_from_1), 6, 4),
    )
    layout.row(
        "Rates",
        (
            timeseries(
                "Submitted per type",
                [(f"sum by (type) (rate(dispycluster_jobs_submitted_total{{{SEL}}}[{RATE}]))", "{{type}}")],
                "ops",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Finished by state",
                [(f"sum by (status) (rate(dispycluster_jobs_total{{{SEL}}}[{RATE}]))", "{{status}}")],
                "ops",
                stacked=True,
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Failure ratio per type",
                [
                    (
                        f"sum by (type) (rate(dispycluster_jobs_total{{{SEL},{FAILED}}}[{RATE}]))"
                        f" / sum by (type) (rate(dispycluster_jobs_total{{{FINISHED}}}[{RATE}]))"
                        f" or sum by (type) (rate(dispycluster_jobs_total{{{SEL}}}[{RATE}])) * 0",
                        "{{type}}",
                    )
                ],
                "percentunit",
                description="Failed and timed-out jobs over all finished ones (cancelled excluded).",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Retries and lost jobs",
                [
                    (
                        f"sum by (type) (rate(dispycluster_job_retries_total{{{SEL}}}[{RATE}])) or vector(0)",
                        "retries {{type}}",
                    ),
                    (
                        f'sum by (type) (rate(dispycluster_jobs_total{{{SEL},status="lost"}}[{RATE}]))'
                        " or vector(0)",
                        "lost {{type}}",
                    ),
                ],
                "ops",
            ),
            12,
            8,
        ),
    )
    layout.row(
        "Durations and placement",
        (
            timeseries(
                "Queue wait",
                _quantiles("dispycluster_job_queue_wait_seconds"),
                "s",
                description="From due to handed to dispy.",
            ),
            8,
            8,
        ),
        (
            timeseries(
                "Run time",
                _quantiles("dispycluster_job_run_seconds"),
                "s",
                description="From running to a terminal state.",
            ),
            8,
            8,
        ),
        (
            timeseries(
                "Jobs finished per node",
                [(f"sum by (node) (rate(dispycluster_jobs_total{{{SEL}}}[{RATE}]))", "{{node}}")],
                "ops",
                stacked=True,
            ),
            8,
            8,
        ),
        (
            timeseries(
                "Dispatched per type",
                [(f"sum by (type) (rate(dispycluster_jobs_dispatched_total{{{SEL}}}[{RATE}]))", "{{type}}")],
                "ops",
            ),
            12,
            6,
        ),
        (
            timeseries(
                "Queued and running",
                [
                    (f"sum(dispycluster_jobs_queued{{{SERVICE}}})", "queued"),
                    (f"sum(dispycluster_jobs_running{{{SERVICE}}})", "running"),
                ],
                "none",
            ),
            12,
            6,
        ),
    )
    return dashboard(
        "DispyCluster / Jobs",
        UID,
        "Job throughput, outcomes, durations and placement, per job type.",
        layout,
        [
            query_variable(
                "type",
                "Job type",
                "label_values(dispycluster_jobs_submitted_total, type)",
                multi=True,
                includeAll=True,
                allValue=".*",
            )
        ],
    )
