"""Command-line flags in node_exporter's style (`--web.listen-address`, `--[no-]collector.<name>`, ...)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from exporter import __version__, config
from exporter.collectors import COLLECTORS, DEFAULT_ENABLED
from exporter.config import Config, Paths

DURATION = re.compile(r"^(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m)?$")
DEFAULT_STATE = {True: "enabled", False: "disabled"}
UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


@dataclass(frozen=True)
class Options:
    listen_address: str
    telemetry_path: str
    web_config_file: Path | None
    exporter_metrics: bool
    collectors: list[str]
    config: Config
    log_level: str


def regex(pattern: str) -> re.Pattern[str] | None:
    """A filter regex; the empty string means no filter."""
    try:
        return re.compile(pattern) if pattern else None
    except re.error as error:
        raise argparse.ArgumentTypeError(f"invalid regular expression {pattern!r}: {error}") from None


def unit_regex(pattern: str) -> re.Pattern[str]:
    """A systemd unit pattern; it must match the whole unit name, as node_exporter anchors it."""
    compiled = regex(pattern)
    if compiled is None:
        raise argparse.ArgumentTypeError("a systemd unit pattern cannot be empty")
    return compiled


def duration(text: str) -> float:
    """`5s`, `500ms`, `1m` or plain seconds, as node_exporter's durations are written."""
    match = DURATION.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (examples: 5s, 500ms, 1m)")
    return float(match["value"]) * UNIT_SECONDS[match["unit"]]


def listen_address(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(
            f"invalid listen address {text!r} (expected [host]:port, e.g. :9100)"
        )
    if host.startswith("[") != host.endswith("]"):
        raise argparse.ArgumentTypeError(f"invalid listen address {text!r} (unbalanced brackets)")
    return text


def telemetry_path(text: str) -> str:
    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"invalid telemetry path {text!r} (must start with /)")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispycluster-exporter",
        description="Prometheus exporter for one DispyCluster node, with node_exporter's metric names.",
        allow_abbrev=False,
    )
    web = parser.add_argument_group("web")
    web.add_argument(
        "--web.listen-address",
        dest="listen_address",
        type=listen_address,
        default=":9100",
        help="[host]:port to listen on; an empty host means every interface, so give 127.0.0.1:9100 for"
        " loopback only (default: %(default)s)",
    )
    web.add_argument(
        "--web.telemetry-path",
        dest="telemetry_path",
        type=telemetry_path,
        default="/metrics",
        help="path under which to expose metrics (default: %(default)s)",
    )
    web.add_argument(
        "--web.config.file",
        dest="web_config_file",
        type=Path,
        default=None,
        help="exporter-toolkit web config file: TLS, basic auth, response headers (default: plain HTTP)",
    )
    web.add_argument(
        "--web.disable-exporter-metrics",
        dest="disable_exporter_metrics",
        action="store_true",
        help="leave out the exporter's own metrics (process_*, python_info, build info)",
    )
    paths = parser.add_argument_group("paths")
    paths.add_argument(
        "--path.procfs",
        dest="procfs",
        type=Path,
        default=Path("/proc"),
        help="procfs mountpoint (default: %(default)s)",
    )
    paths.add_argument(
        "--path.sysfs",
        dest="sysfs",
        type=Path,
        default=Path("/sys"),
        help="sysfs mountpoint (default: %(default)s)",
    )
    paths.add_argument(
        "--path.rootfs",
        dest="rootfs",
        type=Path,
        default=Path("/"),
        help="rootfs mountpoint (default: %(default)s)",
    )
    collectors = parser.add_argument_group("collectors")
    collectors.add_argument(
        "--collector.disable-defaults",
        dest="disable_defaults",
        action="store_true",
        help="disable every collector, then enable only those given with --collector.<name>",
    )
    for name in sorted(COLLECTORS):
        collectors.add_argument(
            f"--collector.{name}",
            dest=f"collector_{name}",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"enable the {name} collector (default: {DEFAULT_STATE[name in DEFAULT_ENABLED]})",
        )
    options = parser.add_argument_group("collector options")
    options.add_argument(
        "--collector.cpu.guest",
        dest="cpu_guest",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="export node_cpu_guest_seconds_total (default: on)",
    )
    options.add_argument(
        "--collector.filesystem.mount-points-exclude",
        dest="mount_points_exclude",
        type=regex,
        default=config.MOUNT_POINTS_EXCLUDE,
        help="regexp of mount points to exclude (default: %(default)s)",
    )
    options.add_argument(
        "--collector.filesystem.fs-types-exclude",
        dest="fs_types_exclude",
        type=regex,
        default=config.FS_TYPES_EXCLUDE,
        help="regexp of filesystem types to exclude (default: %(default)s)",
    )
    options.add_argument(
        "--collector.filesystem.mount-timeout",
        dest="mount_timeout",
        type=duration,
        default="5s",
        help="how long a statfs may take before its mount is reported with node_filesystem_device_error 1"
        " (default: %(default)s)",
    )
    options.add_argument(
        "--collector.diskstats.device-exclude",
        dest="diskstats_device_exclude",
        type=regex,
        default=config.DISKSTATS_DEVICE_EXCLUDE,
        help="regexp of block devices to exclude (default: %(default)s)",
    )
    options.add_argument(
        "--collector.netdev.device-exclude",
        dest="netdev_device_exclude",
        type=regex,
        default=config.NETDEV_DEVICE_EXCLUDE,
        help="regexp of network devices to exclude (empty: none) (default: %(default)s)",
    )
    options.add_argument(
        "--collector.vmstat.fields",
        dest="vmstat_fields",
        type=regex,
        default=config.VMSTAT_FIELDS,
        help="regexp of /proc/vmstat fields to export (empty: all) (default: %(default)s)",
    )
    add_proc_options(options)
    options.add_argument(
        "--collector.textfile.directory",
        dest="textfile_directories",
        action="append",
        default=[],
        metavar="DIR",
        help="directory to read *.prom files with metrics from, globs allowed; repeat for several"
        " (default: none)",
    )
    add_sys_options(options)
    parser.add_argument(
        "--log.level",
        dest="log_level",
        choices=["debug", "info", "warn", "error"],
        default="info",
        help="only log messages with the given severity or above (default: %(default)s)",
    )
    parser.add_argument("--version", action="version", version=f"dispycluster-exporter {__version__}")
    return parser


def add_include_exclude(options: argparse._ArgumentGroup, flag: str, dest: str, what: str) -> None:
    """node_exporter's pair of filters `<flag>-include` / `<flag>-exclude`, one or the other."""
    group = options.add_mutually_exclusive_group()
    for kind, other, verb in (("include", "exclude", "exported"), ("exclude", "include", "left out")):
        group.add_argument(
            f"{flag}-{kind}",
            dest=f"{dest}_{kind}",
            type=regex,
            default=None,
            help=f"regexp of {what} {verb} (mutually exclusive with {flag}-{other})",
        )


def add_proc_options(options: argparse._ArgumentGroup) -> None:
    """The options of the netstat, arp and interrupts collectors, with node_exporter's names and defaults."""
    options.add_argument(
        "--collector.netstat.fields",
        dest="netstat_fields",
        type=regex,
        default=config.NETSTAT_FIELDS,
        help="regexp of /proc/net/{netstat,snmp,snmp6} fields (Protocol_Field) to export (empty: all)"
        " (default: %(default)s)",
    )
    add_include_exclude(options, "--collector.arp.device", "arp_device", "devices whose ARP entries are")
    add_include_exclude(
        options,
        "--collector.interrupts.name",
        "interrupts_name",
        "interrupts (matched against `name;info;devices`) that are",
    )
    options.add_argument(
        "--collector.interrupts.include-zeros",
        dest="interrupts_include_zeros",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="export per-CPU interrupt counts that are zero (default: on)",
    )


def add_sys_options(options: argparse._ArgumentGroup) -> None:
    """The options of the hwmon, powersupplyclass and systemd collectors, with node_exporter's names."""
    add_include_exclude(
        options, "--collector.hwmon.chip", "hwmon_chip", "hwmon chips (`platform_coretemp_0`)"
    )
    add_include_exclude(
        options, "--collector.hwmon.sensor", "hwmon_sensor", "hwmon sensors (matched as `chip;sensor`)"
    )
    options.add_argument(
        "--collector.powersupply.ignored-supplies",
        dest="powersupply_ignored",
        type=regex,
        default="^$",
        help="regexp of power supplies to ignore (default: %(default)s)",
    )
    options.add_argument(
        "--collector.systemd.unit-include",
        dest="systemd_unit_include",
        type=unit_regex,
        default=config.SYSTEMD_UNIT_INCLUDE,
        help="regexp of systemd units to include; a unit must match include and not exclude"
        " (default: %(default)s)",
    )
    options.add_argument(
        "--collector.systemd.unit-exclude",
        dest="systemd_unit_exclude",
        type=unit_regex,
        default=config.SYSTEMD_UNIT_EXCLUDE,
        help="regexp of systemd units to exclude (default: %(default)s)",
    )
    for flag, what in (
        ("restarts", "node_systemd_service_restart_total"),
        ("start-time", "node_systemd_unit_start_time_seconds"),
        ("task", "node_systemd_unit_tasks_current and node_systemd_unit_tasks_max"),
    ):
        options.add_argument(
            f"--collector.systemd.enable-{flag}-metrics",
            dest=f"systemd_{flag.replace('-', '_')}",
            action="store_true",
            help=f"export {what} (default: off)",
        )


def parse(argv: Sequence[str] | None = None) -> Options:
    """Parsed flags; argparse prints a clear message and exits with status 2 on a bad one."""
    args = build_parser().parse_args(argv)
    enabled = [
        name
        for name in sorted(COLLECTORS)
        if (choice := getattr(args, f"collector_{name}"))
        or (choice is None and not args.disable_defaults and name in DEFAULT_ENABLED)
    ]
    return Options(
        listen_address=args.listen_address,
        telemetry_path=args.telemetry_path,
        web_config_file=args.web_config_file,
        exporter_metrics=not args.disable_exporter_metrics,
        collectors=enabled,
        config=Config(
            paths=Paths(procfs=args.procfs, sysfs=args.sysfs, rootfs=args.rootfs),
            mount_points_exclude=args.mount_points_exclude,
            fs_types_exclude=args.fs_types_exclude,
            mount_timeout=args.mount_timeout,
            diskstats_device_exclude=args.diskstats_device_exclude,
            netdev_device_exclude=args.netdev_device_exclude,
            cpu_guest=args.cpu_guest,
            vmstat_fields=args.vmstat_fields,
            netstat_fields=args.netstat_fields,
            arp_device_include=args.arp_device_include,
            arp_device_exclude=args.arp_device_exclude,
            interrupts_name_include=args.interrupts_name_include,
            interrupts_name_exclude=args.interrupts_name_exclude,
            interrupts_include_zeros=args.interrupts_include_zeros,
            textfile_directories=tuple(args.textfile_directories),
            powersupply_ignored=args.powersupply_ignored,
            hwmon_chip_include=args.hwmon_chip_include,
            hwmon_chip_exclude=args.hwmon_chip_exclude,
            hwmon_sensor_include=args.hwmon_sensor_include,
            hwmon_sensor_exclude=args.hwmon_sensor_exclude,
            systemd_unit_include=args.systemd_unit_include,
            systemd_unit_exclude=args.systemd_unit_exclude,
            systemd_restarts=args.systemd_restarts,
            systemd_start_time=args.systemd_start_time,
            systemd_tasks=args.systemd_task,
        ),
        log_level=args.log_level,
    )
