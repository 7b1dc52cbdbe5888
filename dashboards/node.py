"""Node detail: one node's CPU, memory, filesystems, disks, network, temperatures, a Raspberry Pi's power
and throttling, and exporter health.

Raw node_exporter queries only (no recording rules), so it works with any Prometheus scraping our
exporter or a stock node_exporter. The `job` and `instance` variables come from `node_uname_info`.
"""

from __future__ import annotations

from grafanalib.core import Dashboard, Stat, StatValueMappingItem, StatValueMappings

from dashboards.common import Layout, dashboard, gauge, query_variable, stat, steps, timeseries

UID = "dispycluster-node"
SEL = 'job="$job",instance="$instance"'
RATE = "$__rate_interval"
# Whole disks only: partitions, device-mapper children and loop devices would count I/O twice.
DISKS = f'{SEL},device=~"[a-z]+|nvme[0-9]+n[0-9]+|mmcblk[0-9]+"'
REAL_FS = f'{SEL},fstype!~"tmpfs|ramfs|overlay|squashfs|devtmpfs",mountpoint!=""'
NET = f'{SEL},device!~"lo|veth.+"'
NUM_CPUS = f'count(node_cpu_seconds_total{{{SEL},mode="idle"}})'
THROTTLING = 'condition=~"throttled|arm_frequency_capped|soft_temp_limit"'


def _overview(layout: Layout) -> None:
    layout.row(
        "Overview",
        (
            gauge(
                "CPU busy",
                f'100 * (1 - sum(rate(node_cpu_seconds_total{{{SEL},mode=~"idle|iowait"}}[{RATE}]))'
                f" / {NUM_CPUS})",
            ),
            4,
            5,
        ),
        (
            gauge(
                "Memory used",
                f"100 * (1 - node_memory_MemAvailable_bytes{{{SEL}}} / node_memory_MemTotal_bytes{{{SEL}}})",
            ),
            4,
            5,
        ),
        (
            gauge(
                "Root filesystem used",
                f'100 * (1 - node_filesystem_avail_bytes{{{SEL},mountpoint="/"}}'
                f' / node_filesystem_size_bytes{{{SEL},mountpoint="/"}})',
            ),
            4,
            5,
        ),
        (stat("CPUs", NUM_CPUS, "none"), 4, 5),
        (stat("Uptime", f"node_time_seconds{{{SEL}}} - node_boot_time_seconds{{{SEL}}}", "s"), 4, 5),
        (stat("Load (1 min)", f"node_load1{{{SEL}}}", "none"), 4, 5),
    )


def _cpu_and_memory(layout: Layout) -> None:
    layout.row(
        "CPU and memory",
        (
            timeseries(
                "CPU by mode",
                [
                    (
                        f'100 * sum by (mode) (rate(node_cpu_seconds_total{{{SEL},mode!="idle"}}[{RATE}]))'
                        f" / scalar({NUM_CPUS})",
                        "{{mode}}",
                    )
                ],
                "percent",
                stacked=True,
                max_value=100,
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Load average",
                [
                    (f"node_load1{{{SEL}}}", "1 min"),
                    (f"node_load5{{{SEL}}}", "5 min"),
                    (f"node_load15{{{SEL}}}", "15 min"),
                    (NUM_CPUS, "CPUs"),
                ],
                "none",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Memory",
                [
                    (
                        f"node_memory_MemTotal_bytes{{{SEL}}} - node_memory_MemAvailable_bytes{{{SEL}}}",
                        "used",
                    ),
                    (
                        f"node_memory_MemAvailable_bytes{{{SEL}}} - node_memory_MemFree_bytes{{{SEL}}}",
                        "reclaimable (cache, buffers)",
                    ),
                    (f"node_memory_MemFree_bytes{{{SEL}}}", "free"),
                ],
                "bytes",
                stacked=True,
                description="Used + reclaimable + free = total. Reclaimable is what the kernel gives back "
                "on demand.",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Swap",
                [
                    (f"node_memory_SwapTotal_bytes{{{SEL}}} - node_memory_SwapFree_bytes{{{SEL}}}", "used"),
                    (f"node_memory_SwapTotal_bytes{{{SEL}}}", "total"),
                ],
                "bytes",
            ),
            12,
            8,
        ),
    )


def _storage(layout: Layout) -> None:
    layout.row(
        "Filesystems and disks",
        (
            timeseries(
                "Filesystem space used",
                [
                    (
                        f"100 * (1 - node_filesystem_avail_bytes{{{REAL_FS}}}"
                        f" / node_filesystem_size_bytes{{{REAL_FS}}})",
                        "{{mountpoint}}",
                    )
                ],
                "percent",
                max_value=100,
                thresholds=steps(("green", None), ("orange", 90), ("red", 97)),
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Filesystem space available",
                [(f"node_filesystem_avail_bytes{{{REAL_FS}}}", "{{mountpoint}}")],
                "bytes",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Disk throughput",
                [
                    (f"rate(node_disk_read_bytes_total{{{DISKS}}}[{RATE}])", "read {{device}}"),
                    (f"-rate(node_disk_written_bytes_total{{{DISKS}}}[{RATE}])", "written {{device}}"),
                ],
                "Bps",
                description="Reads above the axis, writes below.",
            ),
            8,
            8,
        ),
        (
            timeseries(
                "Disk operations",
                [
                    (f"rate(node_disk_reads_completed_total{{{DISKS}}}[{RATE}])", "reads {{device}}"),
                    (f"-rate(node_disk_writes_completed_total{{{DISKS}}}[{RATE}])", "writes {{device}}"),
                ],
                "iops",
            ),
            8,
            8,
        ),
        (
            timeseries(
                "Disk busy",
                [(f"100 * rate(node_disk_io_time_seconds_total{{{DISKS}}}[{RATE}])", "{{device}}")],
                "percent",
                max_value=100,
                description="Share of time the disk had I/O in flight; an SD card near 100 % is the "
                "bottleneck.",
            ),
            8,
            8,
        ),
    )


def _network_and_sensors(layout: Layout) -> None:
    layout.row(
        "Network and temperatures",
        (
            timeseries(
                "Network traffic per interface",
                [
                    (f"rate(node_network_receive_bytes_total{{{NET}}}[{RATE}]) * 8", "in {{device}}"),
                    (f"-rate(node_network_transmit_bytes_total{{{NET}}}[{RATE}]) * 8", "out {{device}}"),
                ],
                "bps",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Network errors and drops",
                [
                    (f"rate(node_network_receive_errs_total{{{NET}}}[{RATE}])", "rx errors {{device}}"),
                    (f"rate(node_network_transmit_errs_total{{{NET}}}[{RATE}])", "tx errors {{device}}"),
                    (f"rate(node_network_receive_drop_total{{{NET}}}[{RATE}])", "rx drops {{device}}"),
                    (f"rate(node_network_transmit_drop_total{{{NET}}}[{RATE}])", "tx drops {{device}}"),
                ],
                "pps",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Temperatures",
                [
                    (f"node_hwmon_temp_celsius{{{SEL}}}", "{{chip}} {{sensor}}"),
                    (f"node_thermal_zone_temp{{{SEL}}}", "{{type}} (zone {{zone}})"),
                ],
                "celsius",
                description="hwmon sensors and thermal zones (some boards have only one kind). A "
                "Raspberry Pi throttles at 80 °C.",
                thresholds=steps(("green", None), ("orange", 70), ("red", 80)),
            ),
            24,
            8,
        ),
    )


def _flag(title: str, selector: str, color: str, description: str) -> Stat:
    """A Raspberry Pi firmware flag as yes/no; "unknown" on machines that are no Pi."""
    panel = stat(
        title,
        f"max(node_rpi_throttled{{{SEL},{selector}}})",
        "none",
        description=description,
        thresholds=steps(("green", None), (color, 1)),
    )
    panel.mappings = [
        StatValueMappings(StatValueMappingItem("no", "0", "green"), StatValueMappingItem("yes", "1", color))
    ]
    return panel


def _power(layout: Layout) -> None:
    layout.row(
        "Power and throttling (Raspberry Pi)",
        (
            _flag(
                "Under-voltage now",
                'condition="under_voltage",period="now"',
                "red",
                "The supply is below 4.63 V: the firmware slows the CPU down and SD card writes may be"
                " corrupted. Fix the power supply or cable.",
            ),
            4,
            6,
        ),
        (
            _flag(
                "Under-voltage since boot",
                'condition="under_voltage",period="since_boot"',
                "orange",
                "The supply sagged at least once since the node booted; the flag clears only at reboot.",
            ),
            4,
            6,
        ),
        (
            _flag(
                "Throttled now",
                f'{THROTTLING},period="now"',
                "orange",
                "The firmware throttles the CPU or caps its frequency (heat, or under-voltage).",
            ),
            4,
            6,
        ),
        (
            timeseries(
                "Firmware flags",
                [(f'node_rpi_throttled{{{SEL},period="now"}}', "{{condition}}")],
                "none",
                description="1 while the condition holds (get_throttled); only under_voltage on kernels"
                " without it.",
                max_value=1,
            ),
            12,
            6,
        ),
    )


def _exporter(layout: Layout) -> None:
    layout.row(
        "Exporter",
        (
            stat("Scrape up", f"up{{{SEL}}}", "none", thresholds=steps(("red", None), ("green", 1))),
            4,
            6,
        ),
        (
            stat(
                "Failing collectors",
                f"count(node_scrape_collector_success{{{SEL}}} == 0) or vector(0)",
                "none",
                thresholds=steps(("green", None), ("orange", 1)),
            ),
            4,
            6,
        ),
        (
            timeseries(
                "Scrape duration",
                [(f"scrape_duration_seconds{{{SEL}}}", "total")],
                "s",
            ),
            8,
            6,
        ),
        (
            timeseries(
                "Slowest collectors",
                [(f"topk(5, node_scrape_collector_duration_seconds{{{SEL}}})", "{{collector}}")],
                "s",
            ),
            8,
            6,
        ),
    )


def build() -> Dashboard:
    layout = Layout()
    for section in (_overview, _cpu_and_memory, _storage, _network_and_sensors, _power, _exporter):
        section(layout)
    return dashboard(
        "DispyCluster / Node detail",
        UID,
        "One node in depth. Works with dispycluster-exporter and a stock node_exporter alike.",
        layout,
        [
            query_variable("job", "Job", "label_values(node_uname_info, job)"),
            query_variable("instance", "Node", 'label_values(node_uname_info{job="$job"}, instance)'),
        ],
    )
