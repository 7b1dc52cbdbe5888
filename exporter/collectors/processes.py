"""`node_processes_*`: processes and threads by state, PIDs in use and the kernel's limits (off by default).

Walks /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat, as node_exporter does; a process or thread that
exits during the walk is simply not counted.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_parsed, single_gauge
from exporter.config import Config

# In /proc/<pid>/stat after the `(comm)` field: state is the 3rd field, num_threads the 20th.
STATE, NUM_THREADS = 0, 17
# Longer than any stat line (52 numbers and a comm of at most 64 bytes).
STAT_SIZE = 4096


def parse_pid_stat(text: str) -> tuple[str, int]:
    """(state, number of threads) from a /proc/<pid>/stat line; comm may hold spaces and parentheses."""
    _, paren, rest = text.rpartition(")")
    fields = rest.split()
    if not paren or len(fields) <= NUM_THREADS:
        raise ValueError(f"not a /proc/<pid>/stat line: {text[:80]!r}")
    return fields[STATE], int(fields[NUM_THREADS])


def _numeric_entries(path: str | Path) -> list[str]:
    return [entry for entry in os.listdir(path) if entry.isdigit()]


def _read_stat(path: str) -> str:
    """A /proc/<pid>/stat line: one read, where read_text would make a second to see the end of the file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, STAT_SIZE).decode(errors="replace")
    finally:
        os.close(fd)


class ProcessesCollector:
    name: ClassVar[str] = "processes"
    default_enabled: ClassVar[bool] = False

    def __init__(self, config: Config) -> None:
        self._proc = config.paths.procfs

    def _walk(self) -> tuple[int, int, Counter[str], Counter[str]]:
        """(pids, threads, processes by state, threads by state)."""
        pids = threads = 0
        states: Counter[str] = Counter()
        thread_states: Counter[str] = Counter()
        # Plain strings: building Paths would cost more than reading these small files.
        proc = str(self._proc)
        for pid in _numeric_entries(proc):
            try:
                state, count = parse_pid_stat(_read_stat(f"{proc}/{pid}/stat"))
            except (FileNotFoundError, ProcessLookupError):
                continue  # it exited since the listing
            pids += 1
            threads += count
            states[state] += 1
            if count == 1:
                # Its only thread is itself (every kernel thread, most daemons): no task listing to read.
                thread_states[state] += 1
                continue
            try:
                tids = _numeric_entries(f"{proc}/{pid}/task")
            except (FileNotFoundError, ProcessLookupError):
                continue
            for tid in tids:
                if tid == pid:
                    thread_states[state] += 1
                    continue
                try:
                    thread_state, _ = parse_pid_stat(_read_stat(f"{proc}/{pid}/task/{tid}/stat"))
                    thread_states[thread_state] += 1
                except (FileNotFoundError, ProcessLookupError):
                    continue
        return pids, threads, states, thread_states

    def collect(self) -> list[Metric]:
        pids, threads, states, thread_states = self._walk()
        max_threads = read_parsed(self._proc / "sys" / "kernel" / "threads-max", int)
        max_pids = read_parsed(self._proc / "sys" / "kernel" / "pid_max", int)
        families: list[Metric] = [
            single_gauge("node_processes_threads", "Allocated threads in system", threads),
            single_gauge("node_processes_max_threads", "Limit of threads in the system", max_threads),
        ]
        by_state = gauge("node_processes_state", "Number of processes in each state.", ["state"])
        for state, count in sorted(states.items()):
            by_state.add_metric([state], float(count))
        threads_by_state = gauge(
            "node_processes_threads_state", "Number of threads in each state.", ["thread_state"]
        )
        for state, count in sorted(thread_states.items()):
            threads_by_state.add_metric([state], float(count))
        families += [
            by_state,
            threads_by_state,
            single_gauge("node_processes_pids", "Number of PIDs", pids),
            single_gauge("node_processes_max_processes", "Number of max PIDs limit", max_pids),
        ]
        return families
