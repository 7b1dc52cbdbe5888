"""Fixture trees (an x86 server, a Raspberry Pi 4 and 5) and helpers that turn families into plain samples."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from prometheus_client.core import Metric

from exporter.collectors.filesystem import FilesystemCollector
from exporter.config import Config, Paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exporter"
TREES = ("x86-server", "rpi4", "rpi5")
# The console script installed next to this interpreter.
EXPORTER = str(Path(sys.executable).with_name("dispycluster-exporter"))
Labels = tuple[tuple[str, str], ...]


def fixture_config(name: str, **overrides: object) -> Config:
    root = FIXTURES / name
    return replace(Config(paths=Paths(root / "proc", root / "sys", root / "rootfs")), **overrides)


def samples(families: Iterable[Metric]) -> dict[tuple[str, Labels], float]:
    """{(sample name, sorted labels): value} of every sample."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def types(families: Iterable[Metric]) -> dict[str, str]:
    return {f.name: f.type for f in families}


def key(metric: str, /, **labels: str) -> tuple[str, Labels]:
    return metric, tuple(sorted(labels.items()))


def fixture_flags(name: str) -> list[str]:
    """The exporter's --path.* flags for one fixture tree."""
    root = FIXTURES / name
    return [
        f"--path.procfs={root / 'proc'}",
        f"--path.sysfs={root / 'sys'}",
        f"--path.rootfs={root / 'rootfs'}",
    ]


class HangingStatfs(FilesystemCollector):
    """statfs on /boot/firmware blocks until `release` is set, like a dead network mount."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.release = threading.Event()
        self.calls: list[str] = []

    def statfs(self, path: Path) -> os.statvfs_result:
        self.calls.append(str(path))
        if str(path).endswith("boot/firmware"):
            self.release.wait(30)
        return os.statvfs(path)
