"""Pure derivation of node metrics from one or two snapshots (no I/O, testable on plain text)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from webapi.monitoring.collection.parse import Snapshot

IDLE_MODES = frozenset({"idle", "iowait"})
# The firmware's frequency reductions: each one slows the node down (under-voltage is reported apart).
THROTTLING = ("throttled", "arm_frequency_capped", "soft_temp_limit")
EXCLUDED_INTERFACES = frozenset({"lo"})


@dataclass
class FilesystemUsage:
    mountpoint: str
    device: str
    fstype: str
    size_bytes: float
    avail_bytes: float
    used_percent: float | None


@dataclass
class InterfaceRates:
    device: str
    rx_bytes_per_second: float | None
    tx_bytes_per_second: float | None


@dataclass
class NodeMetrics:
    """Everything the service knows about a node after a scrape; `None` where it cannot tell."""

    ts: float
    cpu_percent: float | None = None
    per_cpu_percent: dict[str, float | None] = field(default_factory=dict)
    memory_percent: float | None = None
    memory_total_bytes: float | None = None
    memory_available_bytes: float | None = None
    disk_percent: float | None = None
    filesystems: list[FilesystemUsage] = field(default_factory=list)
    network_rx_bps: float | None = None
    network_tx_bps: float | None = None
    interfaces: list[InterfaceRates] = field(default_factory=list)
    temperature_celsius: float | None = None
    sensors: dict[str, float] = field(default_factory=dict)
    load1: float | None = None
    uptime_seconds: float | None = None
    # A Raspberry Pi's power and throttling flags; None on other machines, or where the kernel cannot tell.
    under_voltage: bool | None = None
    under_voltage_since_boot: bool | None = None
    throttled: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _busy_fraction(prev: dict[str, float], cur: dict[str, float]) -> float | None:
    total = sum(cur.values()) - sum(prev.get(mode, 0.0) for mode in cur)
    idle = sum(cur.get(m, 0.0) - prev.get(m, 0.0) for m in IDLE_MODES if m in cur)
    if total <= 0 or any(cur[m] < prev.get(m, 0.0) for m in cur):
        # No time passed or a counter went backwards (reset, hotplug): no honest figure this round.
        return None
    return min(100.0, max(0.0, 100.0 * (total - idle) / total))


def cpu_percent(prev: Snapshot | None, cur: Snapshot) -> tuple[float | None, dict[str, float | None]]:
    """Busy share of all CPU time since the previous scrape, overall and per cpu."""
    if prev is None:
        return None, dict.fromkeys(cur.cpu)
    per_cpu = {
        cpu: _busy_fraction(prev.cpu.get(cpu, {}), modes) if cpu in prev.cpu else None
        for cpu, modes in cur.cpu.items()
    }
    common = [cpu for cpu in cur.cpu if cpu in prev.cpu]
    merged_prev: dict[str, float] = {}
    merged_cur: dict[str, float] = {}
    for cpu in common:
        for mode, value in cur.cpu[cpu].items():
            merged_cur[mode] = merged_cur.get(mode, 0.0) + value
            merged_prev[mode] = merged_prev.get(mode, 0.0) + prev.cpu[cpu].get(mode, 0.0)
    overall = _busy_fraction(merged_prev, merged_cur) if common else None
    return overall, per_cpu


def memory_percent(snap: Snapshot) -> float | None:
    total = snap.memory.get("MemTotal")
    if not total:
        return None
    available = snap.memory.get("MemAvailable")
    if available is None:
        # Kernels before 3.14 have no MemAvailable: approximate it the way `free` used to.
        parts = [snap.memory.get(key) for key in ("MemFree", "Buffers", "Cached")]
        if any(part is None for part in parts):
            return None
        available = sum(part for part in parts if part is not None)
    return 100.0 * (total - available) / total


def filesystem_usage(snap: Snapshot) -> list[FilesystemUsage]:
    usages = []
    for mountpoint, fs in sorted(snap.filesystems.items()):
        used = 100.0 * (fs.size_bytes - fs.avail_bytes) / fs.size_bytes if fs.size_bytes > 0 else None
        usages.append(FilesystemUsage(mountpoint, fs.device, fs.fstype, fs.size_bytes, fs.avail_bytes, used))
    return usages


def _rate(prev: float, cur: float, seconds: float) -> float | None:
    return (cur - prev) / seconds if cur >= prev else None


def network_rates(prev: Snapshot | None, cur: Snapshot) -> list[InterfaceRates]:
    seconds = cur.ts - prev.ts if prev is not None else 0.0
    rates = []
    for device, (rx, tx) in sorted(cur.network.items()):
        if device in EXCLUDED_INTERFACES:
            continue
        before = prev.network.get(device) if prev is not None else None
        if before is None or seconds <= 0:
            rates.append(InterfaceRates(device, None, None))
        else:
            rates.append(InterfaceRates(device, _rate(before[0], rx, seconds), _rate(before[1], tx, seconds)))
    return rates


def _total(values: list[float | None]) -> float | None:
    return None if not values or any(v is None for v in values) else sum(v for v in values if v is not None)


def sensors(snap: Snapshot) -> dict[str, float]:
    """hwmon sensors when the node has them, else its thermal zones."""
    return dict(snap.hwmon) if snap.hwmon else dict(snap.thermal_zones)


def uptime_seconds(snap: Snapshot) -> float | None:
    if snap.boot_time is None:
        return None
    now = snap.node_time if snap.node_time is not None else snap.ts
    return max(0.0, now - snap.boot_time)


def rpi_flag(snap: Snapshot, conditions: tuple[str, ...], period: str) -> bool | None:
    """Whether any of `conditions` holds in `period`; None when the exporter does not report them."""
    values = [snap.rpi_throttled[c, period] for c in conditions if (c, period) in snap.rpi_throttled]
    return any(value == 1 for value in values) if values else None


def derive(prev: Snapshot | None, cur: Snapshot) -> NodeMetrics:
    """Node metrics from the current scrape and the previous one (rates need two)."""
    overall, per_cpu = cpu_percent(prev, cur)
    filesystems = filesystem_usage(cur)
    interfaces = network_rates(prev, cur)
    temps = sensors(cur)
    root = next((fs for fs in filesystems if fs.mountpoint == "/"), None)
    return NodeMetrics(
        ts=cur.ts,
        cpu_percent=overall,
        per_cpu_percent=per_cpu,
        memory_percent=memory_percent(cur),
        memory_total_bytes=cur.memory.get("MemTotal"),
        memory_available_bytes=cur.memory.get("MemAvailable"),
        disk_percent=root.used_percent if root else None,
        filesystems=filesystems,
        network_rx_bps=_total([i.rx_bytes_per_second for i in interfaces]),
        network_tx_bps=_total([i.tx_bytes_per_second for i in interfaces]),
        interfaces=interfaces,
        temperature_celsius=max(temps.values()) if temps else None,
        sensors=temps,
        load1=cur.load1,
        uptime_seconds=uptime_seconds(cur),
        under_voltage=rpi_flag(cur, ("under_voltage",), "now"),
        under_voltage_since_boot=rpi_flag(cur, ("under_voltage",), "since_boot"),
        throttled=rpi_flag(cur, THROTTLING, "now"),
    )
