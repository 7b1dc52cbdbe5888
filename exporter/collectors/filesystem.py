"""Filesystem size, free space and inodes for every mount that passes the two exclude filters.

statfs on a dead network mount can block forever, so each call runs in its own thread and the scrape waits at
most --collector.filesystem.mount-timeout. A mount that timed out is remembered as stuck and reported with
`node_filesystem_device_error` 1, without another statfs, until its hung call finally returns.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config, excluded

log = logging.getLogger(__name__)
LABELS = ["device", "fstype", "mountpoint"]
OCTAL_ESCAPE = {f"\\{ord(c):03o}": c for c in " \t\n\\#"}


@dataclass(frozen=True)
class Mount:
    device: str
    fstype: str
    mountpoint: str
    readonly: bool

    @property
    def labels(self) -> list[str]:
        return [self.device, self.fstype, self.mountpoint]


def unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes."""
    for escaped, char in OCTAL_ESCAPE.items():
        field = field.replace(escaped, char)
    return field


def parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        separator = fields.index("-")
        options = fields[5].split(",")
        mounts.append(
            Mount(
                device=unescape(fields[separator + 2]),
                fstype=fields[separator + 1],
                mountpoint=unescape(fields[4]),
                readonly="ro" in options,
            )
        )
    return mounts


@dataclass
class _Batch:
    """statvfs calls one scrape asked for; `done` is set when all of them returned."""

    mounts: list[tuple[str, Path]]
    results: dict[str, os.statvfs_result | None] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Started:
    """statfs calls one scrape has started: on which mounts, on which worker, since when."""

    mounts: list[Mount]
    pending: list[tuple[str, Path]]
    worker: _StatfsWorker | None
    batch: _Batch | None
    since: float


class _StatfsWorker(threading.Thread):
    """Runs statvfs calls one after the other; kept between scrapes (a new thread costs more than statfs).

    When a scrape gives up on the call in progress it sets `abandoned`: the worker then stops after that call
    and clears the mount's stuck mark, and the collector starts a fresh worker.
    """

    def __init__(self, statfs: Callable[[Path], os.statvfs_result], collector: FilesystemCollector) -> None:
        super().__init__(daemon=True, name="statfs")
        self._statfs, self._collector = statfs, collector
        self.jobs: queue.SimpleQueue[_Batch] = queue.SimpleQueue()
        self.current: str | None = None
        self.abandoned = False

    def run(self) -> None:
        lock = self._collector.lock
        while True:
            batch = self.jobs.get()
            for mountpoint, path in batch.mounts:
                with lock:
                    if self.abandoned:
                        return
                    self.current = mountpoint
                try:
                    result: os.statvfs_result | None = self._statfs(path)
                except OSError as error:
                    log.debug("statfs on %s failed: %s", mountpoint, error)
                    result = None
                with lock:
                    batch.results[mountpoint] = result
                    self.current = None
                    if self.abandoned:
                        self._collector.stuck.discard(mountpoint)
                        return
            batch.done.set()


class FilesystemCollector:
    name: ClassVar[str] = "filesystem"
    statfs: Callable[[Path], os.statvfs_result] = staticmethod(os.statvfs)

    def __init__(self, config: Config) -> None:
        self._paths = config.paths
        self._mountinfo = [config.paths.proc("1", "mountinfo"), config.paths.proc("self", "mountinfo")]
        self._mount_exclude = config.mount_points_exclude
        self._type_exclude = config.fs_types_exclude
        self._timeout = config.mount_timeout
        self._last_mounts: tuple[str, list[Mount]] | None = None
        # Mount points whose statfs hung; skipped until that call returns. Shared with the statfs threads.
        self.stuck: set[str] = set()
        self.lock = threading.Lock()
        self._statfs_worker: _StatfsWorker | None = None
        # The statfs calls prepare() started, per scraping thread (scrapes may run concurrently).
        self._prepared = threading.local()

    def mounts(self) -> list[Mount]:
        """Mounts that pass the filters, each label set once (bind mounts repeat them)."""
        try:
            text = read_text(self._mountinfo[0])
        except OSError:
            text = read_text(self._mountinfo[1])
        # The mount table rarely changes between scrapes: parse and filter it again only when it did.
        last = self._last_mounts
        if last is not None and last[0] == text:
            return last[1]
        seen: set[tuple[str, ...]] = set()
        kept = []
        for raw in parse_mountinfo(text):
            mount = Mount(raw.device, raw.fstype, self._paths.strip_root(raw.mountpoint), raw.readonly)
            key = tuple(mount.labels)
            if key in seen or excluded(self._mount_exclude, mount.mountpoint):
                continue
            if excluded(self._type_exclude, mount.fstype):
                continue
            seen.add(key)
            kept.append(mount)
        self._last_mounts = (text, kept)
        return kept

    def _worker(self) -> _StatfsWorker:
        with self.lock:
            if self._statfs_worker is None:
                self._statfs_worker = _StatfsWorker(self.statfs, self)
                self._statfs_worker.start()
            return self._statfs_worker

    def prepare(self) -> None:
        """Start this scrape's statfs calls now, so they run while the collectors before this one work."""
        self._prepared.started = self._start(self.mounts())

    def _start(self, mounts: list[Mount]) -> _Started:
        with self.lock:
            pending = [
                (m.mountpoint, self._paths.root(m.mountpoint))
                for m in mounts
                if m.mountpoint not in self.stuck
            ]
        started = _Started(mounts, pending, None, None, time.monotonic())
        if pending:
            started.worker, started.batch = self._worker(), _Batch(pending)
            started.worker.jobs.put(started.batch)
        return started

    def _finish(self, started: _Started) -> dict[str, os.statvfs_result | None]:
        """statvfs of every mount; None for a mount that failed, timed out now or is still stuck."""
        results: dict[str, os.statvfs_result | None] = dict.fromkeys(m.mountpoint for m in started.mounts)
        worker, batch, pending, since = started.worker, started.batch, started.pending, started.since
        while worker is not None and batch is not None:
            finished = batch.done.wait(max(0.0, since + self._timeout - time.monotonic()))
            with self.lock:
                results.update(batch.results)
                if finished:
                    break
                # Too slow: leave the worker to its hung call and go on with the rest on a new one.
                worker.abandoned = True
                if self._statfs_worker is worker:
                    self._statfs_worker = None
                hung = worker.current
                if hung is not None:
                    self.stuck.add(hung)
                    log.warning(
                        "statfs on %s did not return within %.1f s; marking it stuck", hung, self._timeout
                    )
                pending = [item for item in pending if item[0] not in batch.results and item[0] != hung]
            if not pending:
                break
            worker, batch, since = self._worker(), _Batch(pending), time.monotonic()
            worker.jobs.put(batch)
        return results

    def collect(self) -> list[Metric]:
        started = getattr(self._prepared, "started", None) or self._start(self.mounts())
        self._prepared.started = None
        mounts, stats = started.mounts, self._finish(started)
        names = {
            "size": ("node_filesystem_size_bytes", "Filesystem size in bytes."),
            "free": ("node_filesystem_free_bytes", "Filesystem free space in bytes."),
            "avail": (
                "node_filesystem_avail_bytes",
                "Filesystem space available to non-root users in bytes.",
            ),
            "files": ("node_filesystem_files", "Filesystem total file nodes."),
            "files_free": ("node_filesystem_files_free", "Filesystem total free file nodes."),
        }
        families = {key: gauge(name, doc, LABELS) for key, (name, doc) in names.items()}
        readonly = gauge("node_filesystem_readonly", "Filesystem read-only status.", LABELS)
        device_error = gauge(
            "node_filesystem_device_error",
            "Whether an error occurred while getting statistics for the given device.",
            LABELS,
        )
        for mount in mounts:
            labels = mount.labels
            readonly.add_metric(labels, float(mount.readonly))
            st = stats[mount.mountpoint]
            device_error.add_metric(labels, 0.0 if st is not None else 1.0)
            if st is None:
                continue
            families["size"].add_metric(labels, float(st.f_blocks * st.f_bsize))
            families["free"].add_metric(labels, float(st.f_bfree * st.f_bsize))
            families["avail"].add_metric(labels, float(st.f_bavail * st.f_bsize))
            families["files"].add_metric(labels, float(st.f_files))
            families["files_free"].add_metric(labels, float(st.f_ffree))
        return [*families.values(), readonly, device_error]
