"""Operators' own metrics from `*.prom` files, as node_exporter's textfile collector reads them.

Each file is accepted or refused as a whole. A refused file (malformed, client-side timestamps, a family that
clashes with another file's or with one the exporter exports itself) sets `node_textfile_scrape_error` to 1,
none of its series are served, and the scrape still answers. Files are looked at on every scrape; one is
parsed again only when its inode, size, mtime or ctime changed.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Set
from dataclasses import dataclass, field
from typing import ClassVar

from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from exporter.collectors.base import gauge
from exporter.config import Config
from exporter.exposition import Parts

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
    """One file's families (with what the checks against other files need), or why it was refused.

    Kept until the file changes, so that a scrape compares names and series without walking the samples.
    """

    families: tuple[Metric, ...] = ()
    error: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # every family and sample name → its family
    series: dict[str, frozenset[Series]] = field(default_factory=dict)  # family → its series

    @classmethod
    def of(cls, families: list[Metric]) -> Parsed:
        names: dict[str, str] = {}
        for family in families:
            for name in (family.name, *(sample.name for sample in family.samples)):
                if names.setdefault(name, family.name) != family.name:
                    raise ValueError(f"{name} belongs to both {names[name]} and {family.name}")
        return cls(tuple(families), None, names, {family.name: series_of(family) for family in families})


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
    return list(merged.values())


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
    series: dict[str, set[Series]] = field(default_factory=dict)  # family → its series so far

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
            for series in parsed.series[family.name] & self.series[family.name]:
                return f"{series[0]}{dict(series[1])} is already exported by {paths[0]}"
        return None

    def add(self, path: str, parsed: Parsed) -> None:
        for family in parsed.families:
            parts, paths = self.families.setdefault(family.name, ([], []))
            parts.append(family)
            paths.append(path)
            self.series.setdefault(family.name, set()).update(parsed.series[family.name])
        for name, family_name in parsed.names.items():
            self.owners.setdefault(name, (family_name, path))


class TextfileCollector:
    name: ClassVar[str] = "textfile"

    def __init__(self, config: Config) -> None:
        self._patterns = [pattern for pattern in config.textfile_directories if pattern]
        self._cache: dict[str, tuple[FileKey, Parsed]] = {}

    def collect(self) -> list[Metric]:
        return self.collect_beside(frozenset())

    def collect_beside(self, reserved: Set[str]) -> list[Metric]:
        """The files' families, refusing any file that exports one of the `reserved` names."""
        mtime = gauge(MTIME, "Unixtime mtime of textfiles successfully read.", ["file"])
        files, failed = self._files()
        merged = Merged()
        cache: dict[str, tuple[FileKey, Parsed]] = {}
        for path in files:
            try:
                key, parsed = self._read(path)
            except OSError as error:
                failed = True
                log.error("textfile %s cannot be read: %s", path, error.strerror or error)
                continue
            cache[path] = key, parsed
            problem = parsed.error or merged.clash(parsed, reserved)
            if problem is not None:
                failed = True
                log.error("textfile %s refused: %s", path, problem)
                continue
            merged.add(path, parsed)
            mtime.add_metric([path], float(key[2] // 1_000_000_000))
        self._cache = cache
        families: list[Metric] = []
        for parts, paths in merged.families.values():
            documentation = help_of(parts) or f"Metric read from {', '.join(paths)}"
            families.append(Parts(parts[0].name, documentation, parts[0].type, parts))
        scrape_error = gauge(SCRAPE_ERROR, "1 if there was an error opening or reading a file, 0 otherwise")
        scrape_error.add_metric([], 1.0 if failed else 0.0)
        return [*families, mtime, scrape_error]

    def _files(self) -> tuple[list[str], bool]:
        """`*.prom` files of every directory (globs allowed, as upstream) in a stable order; any failure."""
        files: list[str] = []
        failed = False
        for pattern in self._patterns:
            for directory in sorted(glob.glob(pattern)) or [pattern]:
                try:
                    names = sorted(os.listdir(directory))
                except OSError as error:
                    failed = True
                    log.error("textfile directory %s cannot be read: %s", directory, error.strerror or error)
                    continue
                files.extend(os.path.join(directory, name) for name in names if name.endswith(SUFFIX))
        return files, failed

    def _read(self, path: str) -> tuple[FileKey, Parsed]:
        stat = os.stat(path)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == file_key(stat):
            return cached
        return read_file(path)
