"""Is a dispynode running on this machine, and how many CPUs does it serve? Read from /proc, no network."""

from __future__ import annotations

import os
import threading
import time
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config

SCRIPT_NAMES = ("dispynode.py", "dispynode")
MODULE_NAMES = ("dispy.dispynode", "dispynode")
RECHECK_NEW = 1.0
RECHECK_OTHERS = 60.0


def dispynode_cpus_flag(argv: list[str]) -> int | None:
    """The value of dispynode's `-c`/`--cpus` option, if it was given."""
    for index, arg in enumerate(argv):
        if arg.startswith("--cpus="):
            return int(arg.split("=", 1)[1])
        if arg in ("-c", "--cpus") and index + 1 < len(argv):
            return int(argv[index + 1])
        if arg.startswith("-c") and arg[2:].lstrip("-").isdigit():
            return int(arg[2:])
    return None


def served_cpus(argv: list[str], total: int) -> int:
    """dispynode reads 0 (its default) as "all" and a negative count as "all but that many"."""
    requested = dispynode_cpus_flag(argv)
    if not requested:
        return total
    return total + requested if requested < 0 else requested


def is_dispynode(argv: list[str]) -> bool:
    """`dispynode.py …` run directly, or by a Python interpreter as its script or `-m` module."""
    if not argv:
        return False
    if os.path.basename(argv[0]) in SCRIPT_NAMES:
        return True
    if not os.path.basename(argv[0]).startswith("python"):
        return False
    for index, arg in enumerate(argv[1:], start=1):
        if arg == "-m":
            return index + 1 < len(argv) and argv[index + 1] in MODULE_NAMES
        if not arg.startswith("-"):
            # The first non-option argument is the script the interpreter runs.
            return os.path.basename(arg) in SCRIPT_NAMES
    return False


class DispyCollector:
    name: ClassVar[str] = "dispy"

    def __init__(self, config: Config) -> None:
        self._paths = config.paths
        # pid → (argv of a dispynode or None, when to look again). Reading every cmdline at every scrape is
        # too slow, so a process is re-read only when due: soon after it first shows up (it may be a fork
        # that has not exec'd dispynode yet), then rarely (a wrapper script may exec it much later).
        self._known: dict[str, tuple[list[str] | None, float]] = {}
        self._lock = threading.Lock()

    def _argv(self, pid: str) -> list[str] | None:
        try:
            raw = read_text(f"{self._paths.procfs}/{pid}/cmdline")
        except OSError:
            return None
        argv = raw.rstrip("\0").split("\0")
        return argv if is_dispynode(argv) else None

    def find(self) -> dict[str, list[str]]:
        """pid → argv of every dispynode process."""
        now = time.monotonic()
        pids = [name for name in os.listdir(self._paths.procfs) if name.isdigit()]
        with self._lock:
            known: dict[str, tuple[list[str] | None, float]] = {}
            for pid in pids:
                entry = self._known.get(pid)
                if entry is None or (entry[0] is None and entry[1] <= now):
                    delay = RECHECK_NEW if entry is None else RECHECK_OTHERS
                    entry = (self._argv(pid), now + delay)
                known[pid] = entry
            self._known = known
            return {pid: argv for pid, (argv, _) in known.items() if argv is not None}

    def _online_cpus(self) -> int:
        """What dispynode counts when not told (multiprocessing.cpu_count): the CPUs in /proc/stat."""
        lines = read_text(self._paths.proc("stat")).splitlines()
        return sum(1 for line in lines if line.startswith("cpu") and not line.startswith("cpu "))

    def collect(self) -> list[Metric]:
        nodes = self.find()
        up = gauge(
            "dispycluster_dispynode_up", "1 if a dispynode process is running on this node, 0 otherwise."
        )
        up.add_metric([], 1.0 if nodes else 0.0)
        if not nodes:
            return [up]
        total = self._online_cpus()
        cpus = gauge(
            "dispycluster_dispynode_cpus", "Number of CPUs the dispynode processes on this node serve."
        )
        cpus.add_metric([], float(sum(served_cpus(argv, total) for argv in nodes.values())))
        return [up, cpus]
