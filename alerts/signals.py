"""PromQL for each per-node signal of the threshold table.

Every expression keeps the `job` and `instance` labels of the exporter series (and any target labels such
as `node`), so an alert built from it names the node it is about. Only node_exporter metric names are used:
the rules work against our exporter and a stock node_exporter alike.
"""

from __future__ import annotations

NODE_JOB = "node"
SERVICE_JOB = "dispycluster"

NODE = f'job="{NODE_JOB}"'
SERVICE = f'job="{SERVICE_JOB}"'
# The root filesystem; `rootfs` is the initramfs placeholder some kernels still list for "/".
ROOT_FS = f'{NODE},mountpoint="/",fstype!="rootfs"'

# Window of the rate() in the CPU signal: four scrapes at the default 30 s interval of small clusters.
CPU_RATE_WINDOW = "2m"


def _rpi_flag(selector: str) -> str:
    return f"max without (condition, period) (node_rpi_throttled{{{NODE},{selector}}})"


SIGNALS: dict[str, str] = {
    "up": f"up{{{NODE}}}",
    # Busy = everything but idle and iowait, as psutil and htop count it.
    "cpu_percent": (
        "100 * (1 - avg without (cpu) (sum without (mode) ("
        f'rate(node_cpu_seconds_total{{{NODE},mode=~"idle|iowait"}}[{CPU_RATE_WINDOW}]))))'
    ),
    "memory_percent": (
        f"100 * (1 - node_memory_MemAvailable_bytes{{{NODE}}} / node_memory_MemTotal_bytes{{{NODE}}})"
    ),
    # Space not available to users counts as used (blocks reserved for root included), as in the
    # node-mixin and the web service. A read-only filesystem is not "filling up": another alert covers it.
    "disk_percent": (
        f"100 * (1 - node_filesystem_avail_bytes{{{ROOT_FS}}} / node_filesystem_size_bytes{{{ROOT_FS}}})"
        f" and node_filesystem_readonly{{{ROOT_FS}}} == 0"
    ),
    # The hottest hwmon sensor; boards without hwmon (some Raspberry Pi kernels) fall back to the
    # thermal zones. Both sides keep the same labels, so `or` picks hwmon per node when it exists.
    "temperature_celsius": (
        f"max without (chip, sensor) (node_hwmon_temp_celsius{{{NODE}}})"
        f" or max without (zone, type) (node_thermal_zone_temp{{{NODE}}})"
    ),
    # A Raspberry Pi's firmware flags (the exporter's rpi collector): 1 while the condition holds.
    "rpi_under_voltage": _rpi_flag('condition="under_voltage",period="now"'),
    "rpi_under_voltage_since_boot": _rpi_flag('condition="under_voltage",period="since_boot"'),
    "rpi_throttled": _rpi_flag('condition=~"throttled|arm_frequency_capped|soft_temp_limit",period="now"'),
}


def signal_expr(signal: str) -> str:
    """The PromQL of `signal`; a signal the table uses but nobody mapped is a programming error."""
    try:
        return SIGNALS[signal]
    except KeyError:
        raise KeyError(f"no PromQL for signal {signal!r}; add it to alerts.signals.SIGNALS") from None
