"""The exporter's settings, with node_exporter's defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# Upstream node_exporter defaults (Debian patches the mount-point one; we keep upstream's).
MOUNT_POINTS_EXCLUDE = (
    r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
)
FS_TYPES_EXCLUDE = (
    r"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs"
    r"|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$"
)
DISKSTATS_DEVICE_EXCLUDE = r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$"
# Upstream exports every interface, loopback included.
NETDEV_DEVICE_EXCLUDE = ""
VMSTAT_FIELDS = r"^(oom_kill|pgpg|pswp|pg.*fault).*"
SYSTEMD_UNIT_INCLUDE = r".+"
SYSTEMD_UNIT_EXCLUDE = r".+\.(automount|device|mount|scope|slice)"
NETSTAT_FIELDS = (
    r"^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)"
    r"|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)"
    r"|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)"
    r"|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"
)
DEFAULT_MOUNT_POINTS_EXCLUDE = re.compile(MOUNT_POINTS_EXCLUDE)
DEFAULT_FS_TYPES_EXCLUDE = re.compile(FS_TYPES_EXCLUDE)
DEFAULT_DISKSTATS_DEVICE_EXCLUDE = re.compile(DISKSTATS_DEVICE_EXCLUDE)
DEFAULT_VMSTAT_FIELDS = re.compile(VMSTAT_FIELDS)
DEFAULT_NETSTAT_FIELDS = re.compile(NETSTAT_FIELDS)


@dataclass(frozen=True)
class Paths:
    """Where the collectors read the kernel's view of the machine (fixture trees in tests)."""

    procfs: Path = Path("/proc")
    sysfs: Path = Path("/sys")
    rootfs: Path = Path("/")

    def proc(self, *parts: str) -> Path:
        return self.procfs.joinpath(*parts)

    def sys(self, *parts: str) -> Path:
        return self.sysfs.joinpath(*parts)

    def root(self, path: str) -> Path:
        """`path` (absolute, as the host sees it) under --path.rootfs."""
        return self.rootfs.joinpath(path.lstrip("/"))

    def strip_root(self, mountpoint: str) -> str:
        """The host's mount point as seen from inside --path.rootfs (node_exporter's rootfs prefix strip)."""
        root = str(self.rootfs).rstrip("/")
        if not root:
            return mountpoint
        if mountpoint == root:
            return "/"
        if mountpoint.startswith(root + "/"):
            return mountpoint[len(root) :]
        return mountpoint


@dataclass(frozen=True)
class Config:
    paths: Paths = field(default_factory=Paths)
    mount_points_exclude: re.Pattern[str] | None = DEFAULT_MOUNT_POINTS_EXCLUDE
    fs_types_exclude: re.Pattern[str] | None = DEFAULT_FS_TYPES_EXCLUDE
    mount_timeout: float = 5.0
    diskstats_device_exclude: re.Pattern[str] | None = DEFAULT_DISKSTATS_DEVICE_EXCLUDE
    netdev_device_exclude: re.Pattern[str] | None = None
    cpu_guest: bool = True
    vmstat_fields: re.Pattern[str] | None = DEFAULT_VMSTAT_FIELDS
    powersupply_ignored: re.Pattern[str] | None = None
    # node_exporter's device filters: ignored when the exclude matches or the include does not.
    hwmon_chip_include: re.Pattern[str] | None = None
    hwmon_chip_exclude: re.Pattern[str] | None = None
    hwmon_sensor_include: re.Pattern[str] | None = None
    hwmon_sensor_exclude: re.Pattern[str] | None = None
    # Matched against the whole unit name, as upstream anchors them.
    systemd_unit_include: re.Pattern[str] = re.compile(SYSTEMD_UNIT_INCLUDE)
    systemd_unit_exclude: re.Pattern[str] = re.compile(SYSTEMD_UNIT_EXCLUDE)
    systemd_restarts: bool = False
    systemd_start_time: bool = False
    systemd_tasks: bool = False
    netstat_fields: re.Pattern[str] | None = DEFAULT_NETSTAT_FIELDS
    arp_device_include: re.Pattern[str] | None = None
    arp_device_exclude: re.Pattern[str] | None = None
    interrupts_name_include: re.Pattern[str] | None = None
    interrupts_name_exclude: re.Pattern[str] | None = None
    interrupts_include_zeros: bool = True
    # Directories (or globs) of *.prom files; none by default, as upstream.
    textfile_directories: tuple[str, ...] = ()


def excluded(pattern: re.Pattern[str] | None, value: str) -> bool:
    return pattern is not None and pattern.search(value) is not None


def ignored(value: str, exclude: re.Pattern[str] | None, include: re.Pattern[str] | None) -> bool:
    """node_exporter's include/exclude pair of filters (at most one is set): whether `value` is left out."""
    return excluded(exclude, value) or (include is not None and include.search(value) is None)
