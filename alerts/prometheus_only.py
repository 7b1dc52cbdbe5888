"""Alerts that only Prometheus can evaluate: they need history (predict_linear, rates over windows) or
series the web service does not collect itself. Their annotations are Go templates already.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.signals import NODE, SERVICE
from alerts.templates import NODE_TEMPLATE
from alerts.thresholds import Severity


@dataclass(frozen=True)
class PrometheusAlert:
    alert: str
    expr: str
    for_seconds: int
    severity: Severity
    summary: str
    description: str
    runbook: str


# Mixin-style selectors: real filesystems only, and the same device/mount labels on every operand.
_FS = f'{NODE},fstype!="",mountpoint!=""'
_DATA_FS = f'{NODE},fstype=~"ext[234]|xfs|btrfs|f2fs"'
_NET = f'{NODE},device!~"lo|veth.+"'
_ON_MOUNT = "on {{ $labels.mountpoint }} of " + NODE_TEMPLATE


def _filling_up(severity: Severity, below_percent: int, hours: int) -> PrometheusAlert:
    return PrometheusAlert(
        alert="NodeFilesystemFillingUp",
        expr=(
            f"node_filesystem_avail_bytes{{{_FS}}} / node_filesystem_size_bytes{{{_FS}}} * 100"
            f" < {below_percent}"
            f" and predict_linear(node_filesystem_avail_bytes{{{_FS}}}[6h], {hours} * 3600) < 0"
            f" and node_filesystem_readonly{{{_FS}}} == 0"
        ),
        for_seconds=3600,
        severity=severity,
        summary=f"Filesystem predicted to fill up within {hours} hours.",
        description=(
            f'The filesystem {_ON_MOUNT} has {{{{ printf "%.1f" $value }}}} % left and, at the rate of the'
            f" last 6 hours, will be full within {hours} hours."
        ),
        runbook="Find what is writing (`du -xh / | sort -h | tail`): job results, logs or a runaway job.",
    )


def _network_errors(direction: str) -> PrometheusAlert:
    return PrometheusAlert(
        alert=f"NodeNetwork{direction.capitalize()}Errors",
        expr=(
            f"rate(node_network_{direction}_errs_total{{{_NET}}}[5m])"
            f" / rate(node_network_{direction}_packets_total{{{_NET}}}[5m]) > 0.01"
        ),
        for_seconds=3600,
        severity="warning",
        summary=f"Network {direction} errors above 1 %.",
        description=(
            f"Interface {{{{ $labels.device }}}} of {NODE_TEMPLATE} has had"
            f' {{{{ printf "%.2f" $value }}}} {direction} errors per packet for an hour.'
        ),
        runbook="Check the cable, the switch port and `ethtool -S <interface>` on the node.",
    )


_JOBS = "dispycluster_jobs_total"
_FINISHED = f'{_JOBS}{{{SERVICE},status!="cancelled"}}'
_OFFSET = f"node_timex_offset_seconds{{{NODE}}}"

PROMETHEUS_ALERTS: tuple[PrometheusAlert, ...] = (
    _filling_up("warning", 40, 24),
    _filling_up("critical", 20, 4),
    PrometheusAlert(
        alert="NodeFilesystemReadOnly",
        expr=f"node_filesystem_readonly{{{_DATA_FS}}} == 1",
        for_seconds=60,
        severity="critical",
        summary="Filesystem mounted read-only.",
        description=f"The {{{{ $labels.fstype }}}} filesystem {_ON_MOUNT} is read-only.",
        runbook="The kernel remounts a filesystem read-only after I/O errors: check `dmesg`, then the "
        "SD card or disk (fsck, replace).",
    ),
    _network_errors("receive"),
    _network_errors("transmit"),
    PrometheusAlert(
        alert="NodeClockSkew",
        expr=(
            f"({_OFFSET} > 0.05 and deriv({_OFFSET}[5m]) >= 0)"
            f" or ({_OFFSET} < -0.05 and deriv({_OFFSET}[5m]) <= 0)"
        ),
        for_seconds=600,
        severity="warning",
        summary="Clock skew above 50 ms.",
        description=(
            f'The clock of {NODE_TEMPLATE} is {{{{ printf "%.3f" $value }}}} s off and not converging.'
        ),
        runbook="Check time synchronisation (`timedatectl timesync-status`); a Raspberry Pi has no RTC and "
        "needs NTP after every boot.",
    ),
    PrometheusAlert(
        alert="NodeTextFileCollectorScrapeError",
        expr=f"node_textfile_scrape_error{{{NODE}}} == 1",
        for_seconds=300,
        severity="warning",
        summary="A textfile could not be read.",
        description=f"The textfile collector of {NODE_TEMPLATE} refused a *.prom file or could not read its"
        " directory: the metrics of that file are missing.",
        runbook="`journalctl -u dispycluster-exporter` on the node names the file and why; fix the script "
        "that writes it (write to a temporary file, then `mv` it into place).",
    ),
    PrometheusAlert(
        alert="DispyClusterServiceDown",
        expr=f"up{{{SERVICE}}} == 0",
        for_seconds=120,
        severity="critical",
        summary="DispyCluster web service unreachable.",
        description="Prometheus cannot scrape the web service at {{ $labels.instance }}.",
        runbook="`systemctl status dispycluster-web` and `journalctl -u dispycluster-web` on the master.",
    ),
    PrometheusAlert(
        alert="JobFailureRatioHigh",
        # Cancelled jobs are the user's choice, not failures; at least 4 finished jobs so that one
        # failure out of two does not page anybody.
        expr=(
            f'sum by (job, instance, type) (rate({_JOBS}{{{SERVICE},status=~"failed|timed_out|lost"}}[15m]))'
            f" / sum by (job, instance, type) (rate({_FINISHED}[15m])) > 0.25"
            f" and sum by (job, instance, type) (increase({_FINISHED}[15m])) >= 4"
        ),
        for_seconds=600,
        severity="warning",
        summary="More than 25 % of jobs fail.",
        description=(
            "{{ $value | humanizePercentage }} of the {{ $labels.type }} jobs that finished in the last"
            " 15 minutes failed, timed out or were lost."
        ),
        runbook="Open the failed jobs in the web interface and read their errors; a single bad node shows "
        "up in the Jobs dashboard's per-node distribution.",
    ),
    PrometheusAlert(
        alert="JobsLost",
        expr=f'sum by (job, instance, type) (increase({_JOBS}{{{SERVICE},status="lost"}}[15m])) > 0',
        for_seconds=0,
        severity="warning",
        summary="Jobs were lost.",
        description=(
            '{{ printf "%.0f" $value }} {{ $labels.type }} jobs were lost in the last 15 minutes: their node'
            " stopped answering while they ran."
        ),
        runbook="Look for a NodeDown alert at the same time; check dispynode on the nodes that ran them.",
    ),
    PrometheusAlert(
        alert="JobQueueStuck",
        # `unless` rather than `and … == 0`: a service that never dispatched anything has no
        # dispatched series at all, and its queue is stuck too.
        expr=(
            f"max by (job, instance) (dispycluster_jobs_queued{{{SERVICE}}}) > 0"
            f" unless on (job, instance)"
            f" sum by (job, instance) (rate(dispycluster_jobs_dispatched_total{{{SERVICE}}}[10m])) > 0"
        ),
        for_seconds=600,
        severity="warning",
        summary="Queued jobs are not being dispatched.",
        description=('{{ printf "%.0f" $value }} jobs are queued and none was dispatched for 20 minutes.'),
        runbook="Check that dispy nodes are up (`dispycluster_dispynode_up`) and have free CPUs; restart "
        "the web service if the dispatcher is stuck.",
    ),
)
