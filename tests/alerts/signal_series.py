"""Raw exporter series that make a per-node signal take chosen values, one per minute.

Shared by the promtool unit tests of the threshold alerts and by the test comparing the web service's
evaluator with Prometheus: both feed exactly these series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

NODE_LABELS = 'job="node",instance="n1:9100",node="n1"'
ROOT_FS_LABELS = 'device="/dev/mmcblk0p2",fstype="ext4",mountpoint="/"'
CPUS = 2


# None is a minute the node did not answer: a staleness marker, as Prometheus writes for a failed scrape.
Values = Sequence[float | None]


def _values(values: Values) -> str:
    return " ".join("stale" if v is None else f"{v:.10g}" for v in values)


def _cumulative(increments: Values) -> list[float | None]:
    total, out = 0.0, []
    for step in increments:
        if step is None:
            out.append(None)
            continue
        total += step
        out.append(round(total, 6))
    return out


def _map(values: Values, f: Callable[[float], float]) -> list[float | None]:
    return [None if v is None else f(v) for v in values]


def _cpu(percents: Values, labels: str) -> list[dict[str, str]]:
    # Each minute every CPU spends 60 s in total, split between user (busy) and idle.
    series = []
    for cpu in range(CPUS):
        for mode, share in (("idle", lambda p: 0.6 * (100 - p)), ("user", lambda p: 0.6 * p)):
            counter = _cumulative(_map(percents, share))
            series.append(
                {
                    "series": f'node_cpu_seconds_total{{{labels},cpu="{cpu}",mode="{mode}"}}',
                    "values": _values(counter),
                }
            )
    return series


def _memory(percents: Values, labels: str) -> list[dict[str, str]]:
    return [
        {
            "series": f"node_memory_MemTotal_bytes{{{labels}}}",
            "values": _values(_map(percents, lambda _: 1000)),
        },
        {
            "series": f"node_memory_MemAvailable_bytes{{{labels}}}",
            "values": _values(_map(percents, lambda p: 1000 - 10 * p)),
        },
    ]


def _disk(percents: Values, labels: str) -> list[dict[str, str]]:
    # 5 % reserved for root: free = avail + 50; the reserve counts as used.
    fs = f"{labels},{ROOT_FS_LABELS}"
    return [
        {"series": f"node_filesystem_size_bytes{{{fs}}}", "values": _values(_map(percents, lambda _: 1000))},
        {
            "series": f"node_filesystem_avail_bytes{{{fs}}}",
            "values": _values(_map(percents, lambda p: 1000 - 10 * p)),
        },
        {
            "series": f"node_filesystem_free_bytes{{{fs}}}",
            "values": _values(_map(percents, lambda p: 1050 - 10 * p)),
        },
        {"series": f"node_filesystem_readonly{{{fs}}}", "values": _values(_map(percents, lambda _: 0))},
    ]


def _temperature(celsius: Values, labels: str) -> list[dict[str, str]]:
    # Two sensors: the signal is the hottest one.
    return [
        {
            "series": f'node_hwmon_temp_celsius{{{labels},chip="platform_cpu_thermal",sensor="temp1"}}',
            "values": _values(celsius),
        },
        {
            "series": f'node_hwmon_temp_celsius{{{labels},chip="platform_pmic",sensor="temp1"}}',
            "values": _values(_map(celsius, lambda c: c - 15)),
        },
    ]


def thermal_zone_series(celsius: Values, labels: str = NODE_LABELS) -> list[dict[str, str]]:
    """The temperature signal of a board without hwmon chips (some Raspberry Pi kernels)."""
    return [
        {
            "series": f'node_thermal_zone_temp{{{labels},zone="0",type="cpu-thermal"}}',
            "values": _values(celsius),
        }
    ]


def _rpi(conditions: dict[str, bool], period: str) -> Callable[[Values, str], list[dict[str, str]]]:
    """node_rpi_throttled series: the conditions marked True follow `values`, the others stay 0."""

    def build(values: Values, labels: str) -> list[dict[str, str]]:
        return [
            {
                "series": f'node_rpi_throttled{{{labels},condition="{condition}",period="{period}"}}',
                "values": _values(values if follows else _map(values, lambda _: 0)),
            }
            for condition, follows in conditions.items()
        ]

    return build


def _up(values: Values, labels: str) -> list[dict[str, str]]:
    return [{"series": f"up{{{labels}}}", "values": _values(values)}]


_BUILDERS = {
    "up": _up,
    "cpu_percent": _cpu,
    "memory_percent": _memory,
    "disk_percent": _disk,
    "temperature_celsius": _temperature,
    # Each flag signal owns distinct series, so that one node can carry all three.
    "rpi_under_voltage": _rpi({"under_voltage": True}, "now"),
    "rpi_under_voltage_since_boot": _rpi({"under_voltage": True}, "since_boot"),
    "rpi_throttled": _rpi(
        {"throttled": True, "arm_frequency_capped": False, "soft_temp_limit": False}, "now"
    ),
}

# Labels an alert on each signal carries besides the target's and `severity`.
SIGNAL_EXTRA_LABELS: dict[str, dict[str, str]] = {
    "disk_percent": dict(kv.replace('"', "").split("=", 1) for kv in ROOT_FS_LABELS.split(","))
}


def input_series(signal: str, values: Values, labels: str = NODE_LABELS) -> list[dict[str, str]]:
    """promtool `input_series` (one sample a minute) making `signal` equal `values[i]` at minute i."""
    return _BUILDERS[signal](values, labels)


def target_labels(labels: str = NODE_LABELS) -> dict[str, str]:
    return dict(kv.replace('"', "").split("=", 1) for kv in labels.split(","))
