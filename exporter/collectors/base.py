"""What every collector is, and the small helpers they share."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, Protocol, TypeVar

from prometheus_client.core import Metric
from prometheus_client.samples import Sample

from exporter.config import Config

READ_SIZE = 65536
# A Sample's fields after name, labels and value (timestamp, exemplar, ...), all left unset.
UNSET = (None,) * (len(Sample._fields) - 3)
_new_tuple = tuple.__new__
T = TypeVar("T")


class Collector(Protocol):
    """One node_exporter-style collector: reads the machine at scrape time and returns complete families."""

    name: ClassVar[str]

    def __init__(self, config: Config) -> None: ...

    def collect(self) -> list[Metric]: ...


class NoDataError(Exception):
    """The machine has nothing for this collector (PSI off, adjtimex forbidden): success 0, logged quietly.

    A missing file (FileNotFoundError) is taken the same way, as node_exporter's ErrNoData.
    """


# A collector may also define `prepare()`: called at the start of every scrape, before any collector runs,
# to start work that waits on the kernel so that it overlaps the other collectors (see filesystem).


def read_text(path: str | Path) -> str:
    """The whole file. Raw os.read: a third faster than open() for the many tiny procfs/sysfs files."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, READ_SIZE):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def read_parsed(path: str | Path, parse: Callable[[str], T]) -> T:
    """`parse` of the file's text; a ValueError says which file it is about, for the log."""
    text = read_text(path)
    try:
        return parse(text)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected an integer, got {text.strip()!r}") from None


def parse_int(text: str, source: str | Path) -> int:
    """An integer sysfs/procfs value already read; a ValueError that names where it came from otherwise."""
    try:
        return _integer(text)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None


def read_int(path: str | Path) -> int:
    return read_parsed(path, _integer)


def read_stripped(path: str | Path) -> str | None:
    """A sysfs attribute without its newline; None when it is absent or unreadable (EINVAL, ENODATA...)."""
    try:
        return read_text(path).strip()
    except OSError:
        return None


class Family(Metric):
    """A gauge, counter or untyped family for one scrape, built as prometheus_client's *MetricFamily are.

    Those check the name against a regular expression on every construction, for each family of each scrape;
    these names are constants of this package, and the exposition writer checks each of them once. Every
    sample is `sample_name` with labels and a value, nothing more: the writer relies on it.
    """

    def __init__(self, name: str, documentation: str, kind: str, labels: Sequence[str] | None = None) -> None:
        # A counter family is named without `_total` and its samples with it.
        self.name = name.removesuffix("_total") if kind == "counter" else name
        self.sample_name = self.name + "_total" if kind == "counter" else name
        self.documentation = documentation
        self.type = kind
        self.unit = ""
        self.samples: list[Sample] = []
        self._labelnames = tuple(labels or ())

    def add_metric(self, labels: Sequence[str], value: float) -> None:
        # tuple.__new__ skips the namedtuple's Python-level __new__ (its default arguments), once per sample.
        labelled = dict(zip(self._labelnames, labels, strict=False)) if labels else {}
        self.samples.append(_new_tuple(Sample, (self.sample_name, labelled, value, *UNSET)))


def gauge(name: str, documentation: str, labels: list[str] | None = None) -> Family:
    return Family(name, documentation, "gauge", labels)


def single_gauge(name: str, documentation: str, value: float) -> Family:
    """A gauge family of one unlabelled sample."""
    family = gauge(name, documentation)
    family.add_metric([], float(value))
    return family


def counter(name: str, documentation: str, labels: list[str] | None = None) -> Family:
    return Family(name, documentation, "counter", labels)


def untyped(name: str, documentation: str) -> Family:
    """node_exporter's untyped metrics (vmstat): `untyped` in the text format, `unknown` in OpenMetrics."""
    return Family(name, documentation, "unknown")
