"""The collector registry: every collector by its node_exporter name, and which ones run by default.

A collector is enabled by default unless its class says `default_enabled = False`, as upstream's are.
"""

from __future__ import annotations

from exporter.collectors.arp import ArpCollector
from exporter.collectors.base import Collector
from exporter.collectors.bonding import BondingCollector
from exporter.collectors.conntrack import ConntrackCollector
from exporter.collectors.cpu import CpuCollector
from exporter.collectors.cpufreq import CpufreqCollector
from exporter.collectors.diskstats import DiskstatsCollector
from exporter.collectors.dispy import DispyCollector
from exporter.collectors.edac import EdacCollector
from exporter.collectors.entropy import EntropyCollector
from exporter.collectors.filefd import FilefdCollector
from exporter.collectors.filesystem import FilesystemCollector
from exporter.collectors.hwmon import HwmonCollector
from exporter.collectors.interrupts import InterruptsCollector
from exporter.collectors.loadavg import LoadavgCollector
from exporter.collectors.mdadm import MdadmCollector
from exporter.collectors.meminfo import MeminfoCollector
from exporter.collectors.netclass import NetclassCollector
from exporter.collectors.netdev import NetdevCollector
from exporter.collectors.netstat import NetstatCollector
from exporter.collectors.os import OsCollector
from exporter.collectors.powersupplyclass import PowerSupplyClassCollector
from exporter.collectors.pressure import PressureCollector
from exporter.collectors.processes import ProcessesCollector
from exporter.collectors.rpi import RpiCollector
from exporter.collectors.schedstat import SchedstatCollector
from exporter.collectors.sockstat import SockstatCollector
from exporter.collectors.softnet import SoftnetCollector
from exporter.collectors.stat import StatCollector
from exporter.collectors.systemd import SystemdCollector
from exporter.collectors.textfile import TextfileCollector
from exporter.collectors.thermal_zone import ThermalZoneCollector
from exporter.collectors.time import TimeCollector
from exporter.collectors.timex import TimexCollector
from exporter.collectors.udp_queues import UdpQueuesCollector
from exporter.collectors.uname import UnameCollector
from exporter.collectors.vmstat import VmstatCollector
from exporter.collectors.watchdog import WatchdogCollector

COLLECTORS: dict[str, type[Collector]] = {
    cls.name: cls
    for cls in (
        ArpCollector,
        ConntrackCollector,
        BondingCollector,
        CpuCollector,
        CpufreqCollector,
        DiskstatsCollector,
        DispyCollector,
        EdacCollector,
        EntropyCollector,
        FilefdCollector,
        FilesystemCollector,
        HwmonCollector,
        InterruptsCollector,
        LoadavgCollector,
        MdadmCollector,
        MeminfoCollector,
        NetclassCollector,
        NetdevCollector,
        NetstatCollector,
        OsCollector,
        PowerSupplyClassCollector,
        PressureCollector,
        ProcessesCollector,
        RpiCollector,
        SchedstatCollector,
        SockstatCollector,
        SoftnetCollector,
        StatCollector,
        SystemdCollector,
        TextfileCollector,
        ThermalZoneCollector,
        TimeCollector,
        TimexCollector,
        UdpQueuesCollector,
        UnameCollector,
        VmstatCollector,
        WatchdogCollector,
    )
}
DEFAULT_ENABLED: frozenset[str] = frozenset(
    name for name, cls in COLLECTORS.items() if getattr(cls, "default_enabled", True)
)

__all__ = ["COLLECTORS", "DEFAULT_ENABLED", "Collector"]
