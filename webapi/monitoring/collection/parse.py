"""Exposition text → the handful of series the service derives node metrics from.

Only the lines of the wanted families reach prometheus-client's parser: a node_exporter page is ~1000
lines and parsing all of them for 100 nodes would cost most of a collection round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

WANTED = frozenset(
    {
        "node_cpu_seconds_total",
        "node_memory_MemTotal_bytes",
        "node_memory_MemAvailable_bytes",
        "node_memory_MemFree_bytes",
        "node_memory_Buffers_bytes",
        "node_memory_Cached_bytes",
        "node_filesystem_size_bytes",
        "node_filesystem_avail_bytes",
        "node_network_receive_bytes_total",
        "node_network_transmit_bytes_total",
        "node_hwmon_temp_celsius",
        "node_hwmon_chip_names",
        "node_hwmon_sensor_label",
        "node_thermal_zone_temp",
        "node_load1",
        "node_boot_time_seconds",
        "node_time_seconds",
        "node_rpi_throttled",
    }
)


@dataclass(frozen=True)
class Filesystem:
    device: str
    fstype: str
    size_bytes: float
    avail_bytes: float


@dataclass
class Snapshot:
    """What one successful scrape of one exporter said, at time `ts` (the service's clock)."""

    ts: float
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    filesystems: dict[str, Filesystem] = field(default_factory=dict)
    network: dict[str, tuple[float, float]] = field(default_factory=dict)
    hwmon: dict[str, float] = field(default_factory=dict)
    thermal_zones: dict[str, float] = field(default_factory=dict)
    load1: float | None = None
    boot_time: float | None = None
    node_time: float | None = None
    # A Raspberry Pi's firmware flags: (condition, period) → 0/1; empty on other machines.
    rpi_throttled: dict[tuple[str, str], float] = field(default_factory=dict)


def _metric_name(line: str) -> str:
    if line.startswith("#"):
        parts = line.split(None, 3)
        return parts[2] if len(parts) > 2 and parts[1] in ("HELP", "TYPE") else ""
    end = len(line)
    for stop in ("{", " "):
        index = line.find(stop)
        if 0 <= index < end:
            end = index
    return line[:end]


def wanted_lines(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if _metric_name(line) in WANTED) + "\n"


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(wanted_lines(text))
        for sample in family.samples
    ]


def parse_snapshot(text: str, ts: float) -> Snapshot:
    """Parse exposition text; raises ValueError when the text is not Prometheus exposition format."""
    snap = Snapshot(ts=ts)
    sizes: dict[str, tuple[str, str, float]] = {}
    avails: dict[str, float] = {}
    rx: dict[str, float] = {}
    tx: dict[str, float] = {}
    chip_names: dict[str, str] = {}
    sensor_labels: dict[tuple[str, str], str] = {}
    hwmon_raw: dict[tuple[str, str], float] = {}
    for name, labels, value in _samples(text):
        if name == "node_cpu_seconds_total":
            snap.cpu.setdefault(labels.get("cpu", ""), {})[labels.get("mode", "")] = value
        elif name.startswith("node_memory_"):
            snap.memory[name.removeprefix("node_memory_").removesuffix("_bytes")] = value
        elif name == "node_filesystem_size_bytes":
            sizes[labels.get("mountpoint", "")] = (labels.get("device", ""), labels.get("fstype", ""), value)
        elif name == "node_filesystem_avail_bytes":
            avails[labels.get("mountpoint", "")] = value
        elif name == "node_network_receive_bytes_total":
            rx[labels.get("device", "")] = value
        elif name == "node_network_transmit_bytes_total":
            tx[labels.get("device", "")] = value
        elif name == "node_hwmon_temp_celsius":
            hwmon_raw[(labels.get("chip", ""), labels.get("sensor", ""))] = value
        elif name == "node_hwmon_chip_names":
            chip_names[labels.get("chip", "")] = labels.get("chip_name", "")
        elif name == "node_hwmon_sensor_label":
            sensor_labels[(labels.get("chip", ""), labels.get("sensor", ""))] = labels.get("label", "")
        elif name == "node_thermal_zone_temp":
            snap.thermal_zones[f"{labels.get('type', 'zone')}{labels.get('zone', '')}"] = value
        elif name == "node_load1":
            snap.load1 = value
        elif name == "node_boot_time_seconds":
            snap.boot_time = value
        elif name == "node_time_seconds":
            snap.node_time = value
        elif name == "node_rpi_throttled":
            snap.rpi_throttled[(labels.get("condition", ""), labels.get("period", ""))] = value
    if not snap.cpu and not snap.memory:
        raise ValueError("the answer carries no node_cpu/node_memory metrics (is it a node exporter?)")
    for mountpoint, (device, fstype, size) in sizes.items():
        if mountpoint in avails:
            snap.filesystems[mountpoint] = Filesystem(device, fstype, size, avails[mountpoint])
    snap.network = {device: (rx[device], tx[device]) for device in rx if device in tx}
    for (chip, sensor), value in hwmon_raw.items():
        chip_label = chip_names.get(chip) or chip
        sensor_label = sensor_labels.get((chip, sensor)) or sensor
        snap.hwmon[f"{chip_label} {sensor_label}"] = value
    return snap
