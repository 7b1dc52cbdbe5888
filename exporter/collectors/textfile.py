"""Operators' own metrics from `*.prom` files, as node_exporter's textfile collector reads them.

Each file is accepted or refused as a whole. A refused file (malformed, client-side timestamps, a family that
clashes with another file's or with one the exporter exports itself) sets `node_textfile_scrape_error` to 1,
none of its series are served, and the scrape still answers. Files are looked at on every scrape; one is
parsed again only when its inode, size, mtime or ctime changed, and the files are checked against each other
again only when one of them changed. Until then a scrape serves the very same family objects, whose written
lines the exposition writer keeps.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Set
from dataclasses import dataclass, field
from sys import intern
from typing import ClassVar, NamedTuple

from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from exporter.collectors.base import gauge
from exporter.config import Config
from exporter.exposition import Kept, Parts

log = logging.getLogger(__name__)
SUFFIX = ".prom"
MTIME = "node_textfile_mtime_seconds"
SCRAPE_ERROR = "node_textfile_scrape_error"
# `# TYPE foo counter`: a counter declared without `_total`. prometheus_client's parser renames its samples to
# `foo_total`, while node_exporter serves them as `foo`; see BareCounter.
BARE_COUNTER = re.compile(r"^[ \t]*#[ \t]+TYPE[ \t]+(\S+)[ \t]+counter[ \t]*$", re.MULTILINE)
FileKey = tuple[int, int, int, int]
Series = tuple[str, tuple[tuple[str, str], ...]]


def series_of(family: Metric) -> frozenset[Series]:
    return frozenset((s.name, tuple(sorted(s.labels.items()))) for s in family.samples)


@dataclass(frozen=True)
class Parsed:
    """One file's families (with every name they use), or why it was refused; kept until the file changes."""

    families: tuple[Metric, ...] = ()
    error: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # every family and sample name → its family
    # Series of a family, gathered only when another file exports the same family.
    _series: dict[str, frozenset[Series]] = field(default_factory=dict)

    @classmethod
    def of(cls, families: list[Metric]) -> Parsed:
        names: dict[str, str] = {}
        for family in families:
            for name in (family.name, *(sample.name for sample in family.samples)):
                if names.setdefault(name, family.name) != family.name:
                    raise ValueError(f"{name} belongs to both {names[name]} and {family.name}")
        return cls(tuple(families), None, names)

    def series(self, family: Metric) -> frozenset[Series]:
        """The series of `family`, one of this file's."""
        series = self._series.get(family.name)
        if series is None:
            series = self._series[family.name] = series_of(family)
        return series


def parse_textfile(text: str) -> list[Metric]:
    """The families of one file, one per name; ValueError saying what is wrong with it."""
    bare = {name for name in BARE_COUNTER.findall(text) if not name.endswith("_total")}
    merged: dict[str, Metric] = {}
    for parsed in text_string_to_metric_families(text):
        bare_counter = parsed.type == "counter" and parsed.name in bare
        family = _restore_bare_counter(parsed) if bare_counter else parsed
        known = merged.get(family.name)
        if known is None:
            merged[family.name] = family
        elif declared_type(known) != declared_type(family):
            raise ValueError(
                f"{family.name} is declared both {declared_type(known)} and {declared_type(family)}"
            )
        else:
            known.samples.extend(family.samples)
    for family in merged.values():
        _check(family)
        family.samples = [_shared(sample) for sample in family.samples]
    return list(merged.values())


def _shared(sample: Sample) -> Sample:
    """`sample` with its name and label names shared with every other sample's (they are kept until the
    file changes: 1.6 MiB less for 10,000 series of one name and two labels)."""
    labels = {intern(name): value for name, value in sample.labels.items()}
    return Sample(intern(sample.name), labels, *sample[2:])


class BareCounter(Metric):
    """A counter declared without `_total`, kept under its own sample name as node_exporter keeps it.

    OpenMetrics has no counter without `_total`, so it is served untyped: Prometheus stores the same series
    as node_exporter's; only the type in its metadata differs.
    """

    def __init__(self, name: str, documentation: str) -> None:
        super().__init__(name, documentation, "unknown")


def declared_type(family: Metric) -> str:
    return "counter" if isinstance(family, BareCounter) else family.type


def help_of(parts: list[Metric]) -> str:
    """The HELP text of a family spread over files: the first one given."""
    return next((part.documentation for part in parts if part.documentation), "")


def _restore_bare_counter(family: Metric) -> Metric:
    restored = BareCounter(family.name, family.documentation)
    restored.samples = [Sample(family.name, *sample[1:]) for sample in family.samples]
    return restored


def _check(family: Metric) -> None:
    """What prometheus_client's lax parser lets through and a scrape must not carry."""
    seen: set[Series] = set()
    for sample in family.samples:
        series = (sample.name, tuple(sorted(sample.labels.items())))
        if series in seen:
            raise ValueError(f"{sample.name}{sample.labels} appears twice")
        seen.add(series)
        if sample.timestamp is not None:
            raise ValueError(f"{sample.name} carries a timestamp, which textfiles may not have")
        suffix = sample.name[len(family.name) :]
        if family.type == "histogram" and suffix == "_bucket" and "le" not in sample.labels:
            raise ValueError(f"histogram bucket {sample.name} has no le label")
        if family.type == "summary" and suffix == "" and "quantile" not in sample.labels:
            raise ValueError(f"summary sample {sample.name} has no quantile label")


def file_key(stat: os.stat_result) -> FileKey:
    """What changes when a file is rewritten in place or replaced."""
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def read_file(path: str) -> tuple[FileKey, Parsed]:
    """Identity and families of one file; OSError when it cannot be read at all."""
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        data = handle.read()
    key = file_key(stat)
    try:
        return key, Parsed.of(parse_textfile(data.decode()))
    except UnicodeDecodeError as error:
        return key, Parsed(error=f"not UTF-8 text ({error.reason} at byte {error.start})")
    except ValueError as error:
        return key, Parsed(error=f"not in the text format: {error or 'unparsable line'}")


@dataclass
class Merged:
    """What the accepted files export so far: families by name and who owns each name."""

    families: dict[str, tuple[list[Metric], list[str]]] = field(default_factory=dict)  # → parts, files
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (family name, first file)
    files: dict[str, list[Parsed]] = field(default_factory=dict)  # family → the accepted files exporting it
    # The series of each family that several files share, gathered once a second file brings it.
    series: dict[str, set[Series]] = field(default_factory=dict)

    def clash(self, parsed: Parsed, reserved: Set[str]) -> str | None:
        """Why the file's families cannot be served beside what is already there, or None."""
        for name, family_name in parsed.names.items():
            if name in reserved or name in (MTIME, SCRAPE_ERROR):
                return f"{name} is one of the exporter's own metrics"
            owner = self.owners.get(name)
            if owner is not None and owner[0] != family_name:
                return f"{name} is already exported by {owner[1]} as part of {owner[0]}"
        for family in parsed.families:
            known = self.families.get(family.name)
            if known is None:
                continue
            parts, paths = known
            if declared_type(parts[0]) != declared_type(family):
                kind, known_kind = declared_type(family), declared_type(parts[0])
                return f"{family.name} is {kind} here but {known_kind} in {paths[0]}"
            help_text = help_of(parts)
            if family.documentation and help_text and family.documentation != help_text:
                return f"{family.name} has a different HELP text than in {paths[0]}"
            for series in parsed.series(family) & self._series(family.name):
                return f"{series[0]}{dict(series[1])} is already exported by {paths[0]}"
        return None

    def add(self, path: str, parsed: Parsed) -> None:
        for family in parsed.families:
            parts, paths = self.families.setdefault(family.name, ([], []))
            parts.append(family)
            paths.append(path)
            self.files.setdefault(family.name, []).append(parsed)
            if family.name in self.series:
                self.series[family.name].update(parsed.series(family))
        for name, family_name in parsed.names.items():
            self.owners.setdefault(name, (family_name, path))

    def _series(self, name: str) -> set[Series]:
        series = self.series.get(name)
        if series is None:
            pairs = zip(self.files[name], self.families[name][0], strict=True)
            series = self.series[name] = set().union(*(parsed.series(part) for parsed, part in pairs))
        return series


@dataclass(frozen=True)
class Served:
    """What one set of file versions serves: the families (kept as they are until a file changes) and
    every file refused, with why."""

    families: tuple[Metric, ...]
    refused: tuple[tuple[str, str], ...]


class LastMerge(NamedTuple):
    """A merge and what it depended on: the file versions, and which reserved names the files use."""

    identity: tuple[tuple[str, FileKey], ...] | None
    names: frozenset[str]  # every name of every file
    used: frozenset[str]  # those other collectors export
    served: Served


def merge(files: list[tuple[str, FileKey, Parsed]], reserved: Set[str]) -> Served:
    """Accept the files in order, each only if it parsed and clashes with nothing accepted before it."""
    mtime = gauge(MTIME, "Unixtime mtime of textfiles successfully read.", ["file"])
    merged = Merged()
    refused: list[tuple[str, str]] = []
    for path, key, parsed in files:
        problem = parsed.error or merged.clash(parsed, reserved)
        if problem is not None:
            refused.append((path, problem))
            continue
        merged.add(path, parsed)
        mtime.add_metric([path], float(key[2] // 1_000_000_000))
    kept = Kept()
    families: list[Metric] = []
    for parts, paths in merged.families.values():
        documentation = help_of(parts) or f"Metric read from {', '.join(paths)}"
        families.append(Parts(parts[0].name, documentation, parts[0].type, parts, kept))
    families.append(Parts(MTIME, mtime.documentation, mtime.type, [mtime], kept))
    return Served(tuple(families), tuple(refused))


class TextfileCollector:
    name: ClassVar[str] = "textfile"

    def __init__(self, config: Config) -> None:
        self._patterns = [pattern for pattern in config.textfile_directories if pattern]
        self._cache: dict[str, tuple[FileKey, Parsed]] = {}
        self._last = LastMerge(None, frozenset(), frozenset(), Served((), ()))

    def collect(self) -> list[Metric]:
        return self.collect_beside(frozenset())

    def collect_beside(self, reserved: Set[str]) -> list[Metric]:
        """The files' families, refusing any file that exports one of the `reserved` names.

        Every file is looked at (`stat`) on every scrape; the files are merged and checked against each other
        again only when one of them changed, or when they use another of the reserved names.
        """
        files, failed = self._files()
        versions: list[tuple[str, FileKey, Parsed]] = []
        cache: dict[str, tuple[FileKey, Parsed]] = {}
        for path, stat in files:
            try:
                key, parsed = self._read(path, stat)
            except OSError as error:
                failed = True
                log.error("textfile %s cannot be read: %s", path, error.strerror or error)
                continue
            cache[path] = key, parsed
            versions.append((path, key, parsed))
        self._cache = cache
        served = self._merged(versions, reserved)
        for path, problem in served.refused:
            log.error("textfile %s refused: %s", path, problem)
        error = gauge(SCRAPE_ERROR, "1 if there was an error opening or reading a file, 0 otherwise")
        error.add_metric([], 1.0 if failed or served.refused else 0.0)
        return [*served.families, error]

    def _merged(self, versions: list[tuple[str, FileKey, Parsed]], reserved: Set[str]) -> Served:
        identity = tuple((path, key) for path, key, _ in versions)
        last = self._last  # read and replaced whole: scrapes may run side by side
        if identity == last.identity:
            names = last.names
        else:
            names = frozenset(name for _, _, parsed in versions for name in parsed.names)
        used = names.intersection(reserved)
        if identity == last.identity and used == last.used:
            return last.served
        served = merge(versions, used)
        self._last = LastMerge(identity, names, used, served)
        return served

    def _files(self) -> tuple[list[tuple[str, os.stat_result | None]], bool]:
        """`*.prom` files of every directory (globs allowed, as upstream) in a stable order, each with its
        `stat` (None when it failed: reading the file says why); any failure to list a directory."""
        files: list[tuple[str, os.stat_result | None]] = []
        failed = False
        for pattern in self._patterns:
            for directory in sorted(glob.glob(pattern)) or [pattern]:
                try:
                    with os.scandir(directory) as entries:
                        found = sorted((e.name, e) for e in entries if e.name.endswith(SUFFIX))
                except OSError as error:
                    failed = True
                    log.error("textfile directory %s cannot be read: %s", directory, error.strerror or error)
                    continue
                files.extend((entry.path, _stat(entry)) for _, entry in found)
        return files, failed

    def _read(self, path: str, stat: os.stat_result | None) -> tuple[FileKey, Parsed]:
        cached = self._cache.get(path)
        if stat is not None and cached is not None and cached[0] == file_key(stat):
            return cached
        return read_file(path)


def _stat(entry: os.DirEntry[str]) -> os.stat_result | None:
    try:
        return entry.stat()
    except OSError:
        return None
