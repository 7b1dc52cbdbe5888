"""Runs the enabled collectors for one scrape and adds node_exporter's per-collector scrape metrics."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from exporter import __version__
from exporter.collectors import COLLECTORS
from exporter.collectors import Collector as NodeCollector
from exporter.collectors.base import BesideCollector, NoDataError, gauge
from exporter.config import Config
from exporter.process_limits import ProcessLimitsCollector

log = logging.getLogger(__name__)
# Each distinct collect[]/exclude[] selection gets its own registry; a scraper only ever uses a few.
MAX_CACHED_SELECTIONS = 32
SCRAPE_DURATION = "node_scrape_collector_duration_seconds"
SCRAPE_SUCCESS = "node_scrape_collector_success"


class FilterError(ValueError):
    """A `collect[]`/`exclude[]` query the exporter cannot honour (answered with 400)."""


class NodeExporter:
    """The enabled collectors, served through one dedicated registry per `collect[]`/`exclude[]` selection."""

    def __init__(self, config: Config, enabled: Iterable[str], exporter_metrics: bool = True) -> None:
        self.collectors: dict[str, NodeCollector] = {
            name: COLLECTORS[name](config) for name in sorted(enabled)
        }
        # Told apart once: a protocol isinstance() costs microseconds, too much for every scrape.
        self._beside: dict[str, BesideCollector] = {
            name: collector
            for name, collector in self.collectors.items()
            if isinstance(collector, BesideCollector)
        }
        self._exporter_metrics = exporter_metrics
        self._registries: dict[tuple[str, ...], CollectorRegistry] = {}
        self._lock = threading.Lock()
        # Names a collector that serves others' metrics (textfile) must leave alone, beside each scrape's own.
        self._own_names = {SCRAPE_DURATION, SCRAPE_SUCCESS}
        if exporter_metrics:
            self._own_names |= names_of(_exporter_metrics(CollectorRegistry(auto_describe=False)).collect())

    def select(self, collect: list[str], exclude: list[str]) -> list[str]:
        """The collectors a `collect[]`/`exclude[]` query asks for, checked as node_exporter checks them."""
        if collect and exclude:
            raise FilterError("collect[] and exclude[] are mutually exclusive; use one or the other")
        for name in collect + exclude:
            if name not in COLLECTORS:
                raise FilterError(f"unknown collector: {name!r}; known: {', '.join(sorted(COLLECTORS))}")
            if name not in self.collectors:
                raise FilterError(f"collector {name!r} is disabled on this exporter")
        if collect:
            return [name for name in self.collectors if name in collect]
        return [name for name in self.collectors if name not in exclude]

    def registry(self, names: list[str] | None = None) -> CollectorRegistry:
        """A dedicated registry for `names` (default: every enabled collector) and the exporter's metrics."""
        key = tuple(self.collectors) if names is None else tuple(names)
        with self._lock:
            registry = self._registries.get(key)
            if registry is None:
                if len(self._registries) >= MAX_CACHED_SELECTIONS:
                    self._registries.clear()
                registry = self._registries[key] = self._build_registry(list(key))
            return registry

    def _build_registry(self, names: list[str]) -> CollectorRegistry:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Selection(self, names))
        return _exporter_metrics(registry) if self._exporter_metrics else registry

    def run(self, names: list[str]) -> Iterator[Metric]:
        duration = gauge(SCRAPE_DURATION, "node_exporter: Duration of a collector scrape.", ["collector"])
        success = gauge(SCRAPE_SUCCESS, "node_exporter: Whether a collector succeeded.", ["collector"])
        # Work that waits on the kernel (statfs) starts first, and its collector runs last, so that the wait
        # overlaps all the other collectors. A failure here shows up again, and is reported, in collect().
        prepared: list[str] = []
        for name in names:
            prepare = getattr(self.collectors[name], "prepare", None)
            if prepare is not None:
                prepared.append(name)
                with contextlib.suppress(Exception):
                    prepare()
        # Collectors serving others' metrics come last, to be told every name the rest of the scrape exports.
        beside = {name: self._beside[name] for name in names if name in self._beside}
        first = [name for name in names if name not in prepared and name not in beside]
        exported = set(self._own_names) if beside else set()
        for name in [*first, *prepared, *beside]:
            start = time.perf_counter()
            try:
                # Build the whole list first so the duration measures collection, not encoding.
                served = beside.get(name)
                families = (
                    served.collect_beside(exported) if served is not None else self.collectors[name].collect()
                )
                ok = 1.0
            except (FileNotFoundError, NoDataError) as error:
                # No such hardware (no hwmon on a VM): node_exporter's "no data", not an error every scrape.
                log.debug("collector %s has no data: %s", name, error)
                families, ok = [], 0.0
            except Exception as error:  # any failure of one collector must not fail the scrape
                log.error("collector %s failed: %s: %s", name, type(error).__name__, error)
                families, ok = [], 0.0
            duration.add_metric([name], time.perf_counter() - start)
            success.add_metric([name], ok)
            # Like node_exporter, a family without samples (no thermal zones here) is not announced at all.
            if beside and name not in beside:
                exported |= names_of(families)
            yield from (family for family in families if family.samples)
        yield duration
        yield success


def names_of(families: Iterable[Metric]) -> set[str]:
    """Every family name and sample name of `families`."""
    names: set[str] = set()
    for family in families:
        names.add(family.name)
        sample_name = getattr(family, "sample_name", None)  # every sample's (collectors.base.Family)
        if sample_name is not None:
            if family.samples:
                names.add(sample_name)
        else:
            names.update(sample.name for sample in family.samples)
    return names


def _exporter_metrics(registry: CollectorRegistry) -> CollectorRegistry:
    """`registry` with the exporter's own metrics: build info, process_* and python_info."""
    registry.register(_BuildInfo())
    ProcessCollector(registry=registry)
    registry.register(ProcessLimitsCollector())
    PlatformCollector(registry=registry)
    return registry


class _Selection(Collector):
    """Some of the exporter's collectors, as one prometheus_client collector."""

    def __init__(self, exporter: NodeExporter, names: list[str]) -> None:
        self._exporter, self._names = exporter, names

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        return self._exporter.run(self._names)


class _BuildInfo(Collector):
    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> list[Metric]:
        info = gauge(
            "dispycluster_exporter_build_info",
            "A metric with a constant '1' value labeled by the version of dispycluster-exporter.",
            ["version"],
        )
        info.add_metric([__version__], 1.0)
        return [info]
