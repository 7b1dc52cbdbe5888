"""The collector registry: every collector by its node_exporter name, all enabled by default."""

from __future__ import annotations

from exporter.collectors.base import Collector
from exporter.collectors.cpu import CpuCollector
from exporter.collectors.diskstats import DiskstatsCollector
from exporter.collectors.dispy import DispyCollector
from exporter.collectors.entropy import EntropyCollector
from exporter.collectors.filefd import FilefdCollector
from exporter.collectors.filesystem import FilesystemCollector
from exporter.collectors.hwmon import HwmonCollector
from exporter.collectors.loadavg import LoadavgCollector
from exporter.collectors.meminfo import MeminfoCollector
from exporter.collectors.netclass import NetclassCollector
from exporter.collectors.netdev import NetdevCollector
from exporter.collectors.os import OsCollector
from exporter.collectors.pressure import PressureCollector
from exporter.collectors.rpi import RpiCollector
from exporter.collectors.stat import StatCollector
from exporter.collectors.textfile import TextfileCollector
from exporter.collectors.thermal_zone import ThermalZoneCollector
from exporter.collectors.time import TimeCollector
from exporter.collectors.timex import TimexCollector
from exporter.collectors.uname import UnameCollector
from exporter.collectors.vmstat import VmstatCollector

COLLECTORS: dict[str, type[Collector]] = {
    cls.name: cls
    for cls in (
        CpuCollector,
        DiskstatsCollector,
        DispyCollector,
        EntropyCollector,
        FilefdCollector,
        FilesystemCollector,
        HwmonCollector,
        LoadavgCollector,
        MeminfoCollector,
        NetclassCollector,
        NetdevCollector,
        OsCollector,
        PressureCollector,
        RpiCollector,
        StatCollector,
        TextfileCollector,
        ThermalZoneCollector,
        TimeCollector,
        TimexCollector,
        UnameCollector,
        VmstatCollector,
    )
}

__all__ = ["COLLECTORS", "Collector"]
