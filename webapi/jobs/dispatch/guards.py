"""Whether a node takes new jobs: its drain, then one guard per monitored condition, with hysteresis
(pure functions; the time is passed in).

A guard trips as soon as its condition holds (exporter down, temperature at or above the warning
threshold, under-voltage or throttled now, root filesystem above the critical threshold) and clears only
once the node has been back under the threshold minus a margin for `clear_after_s` seconds: a node that
hovers at a threshold does not flap. An unknown value (no sensor, not scraped yet) neither trips nor
clears a guard. The thresholds are those of `alerts.thresholds`, the one table the alerts use too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from alerts.thresholds import THRESHOLDS
from webapi.core.settings import Settings


def threshold(signal: str, severity: str) -> float:
    """The value of the `alerts.thresholds` row watching `signal` at `severity`."""
    for row in THRESHOLDS:
        if row.signal == signal and row.severity == severity:
            return row.value
    raise LookupError(f"no {severity} threshold on {signal} in alerts/thresholds.py")


@dataclass(frozen=True)
class Condition:
    """A node's monitored condition now, from the collector; None where unknown."""

    exporter_up: bool | None = None
    temperature: float | None = None
    under_voltage: bool | None = None
    throttled: bool | None = None
    disk_percent: float | None = None


UNKNOWN = Condition()


@dataclass(frozen=True)
class Drain:
    """An operator's drain: no new job until resumed (or until `until`, naive UTC, when given)."""

    reason: str | None = None
    until: datetime | None = None

    def active(self, utc_now: datetime) -> bool:
        return self.until is None or utc_now < self.until

    def describe(self) -> str:
        text = "is drained"
        if self.reason:
            text += f" ({self.reason})"
        if self.until is not None:
            text += f" until {self.until.isoformat(timespec='seconds')}Z"
        return text


@dataclass(frozen=True)
class GuardSettings:
    exporter: bool = True
    temperature: bool = True
    power: bool = True
    disk: bool = True
    temperature_limit: float = threshold("temperature_celsius", "warning")
    temperature_margin: float = 5.0
    disk_limit: float = threshold("disk_percent", "critical")
    disk_margin: float = 2.0
    clear_after_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> GuardSettings:
        return cls(
            exporter=settings.guard_exporter,
            temperature=settings.guard_temperature,
            power=settings.guard_power,
            disk=settings.guard_disk,
            temperature_margin=settings.guard_temperature_margin,
            disk_margin=settings.guard_disk_margin,
            clear_after_s=settings.guard_clear_after_s,
        )


@dataclass(frozen=True)
class Trip:
    """A tripped guard: what tripped it, and since when its clear condition has held (None: it does not)."""

    reason: str
    clearing_since: float | None = None


@dataclass(frozen=True)
class Check:
    """One guard on a condition: True trips it, False lets it clear, None (unknown) keeps it as it is."""

    name: str
    trips: Callable[[Condition], bool | None]
    clears: Callable[[Condition], bool | None]
    reason: Callable[[Condition], str]


def _known(value: float | None, test: Callable[[float], bool]) -> bool | None:
    return None if value is None else test(value)


def _checks(settings: GuardSettings) -> list[Check]:
    hot, cool = settings.temperature_limit, settings.temperature_limit - settings.temperature_margin
    full, freed = settings.disk_limit, settings.disk_limit - settings.disk_margin
    checks = []
    if settings.exporter:
        checks.append(
            Check(
                "exporter",
                lambda c: None if c.exporter_up is None else not c.exporter_up,
                lambda c: c.exporter_up,
                lambda c: "has its exporter down",
            )
        )
    if settings.temperature:
        checks.append(
            Check(
                "temperature",
                lambda c: _known(c.temperature, lambda t: t >= hot),
                lambda c: _known(c.temperature, lambda t: t < cool),
                lambda c: (
                    f"is too hot (trips at {hot:g} °C, clears under {cool:g} °C"
                    + (f"; now {c.temperature:.1f} °C)" if c.temperature is not None else ")")
                ),
            )
        )
    if settings.power:
        checks.append(
            Check(
                "power",
                _power_on,
                lambda c: None if _power_on(c) is None else not _power_on(c),
                _power_reason,
            )
        )
    if settings.disk:
        checks.append(
            Check(
                "disk",
                lambda c: _known(c.disk_percent, lambda d: d > full),
                lambda c: _known(c.disk_percent, lambda d: d <= freed),
                lambda c: (
                    f"has its root filesystem too full (trips above {full:g} %, clears at {freed:g} %"
                    + (f"; now {c.disk_percent:.1f} %)" if c.disk_percent is not None else ")")
                ),
            )
        )
    return checks


def _power_on(c: Condition) -> bool | None:
    """True when either flag is on, False when the known ones are off, None when both are unknown."""
    if c.under_voltage is None and c.throttled is None:
        return None
    return bool(c.under_voltage or c.throttled)


def _power_reason(c: Condition) -> str:
    flags = [name for name, on in (("under-voltage", c.under_voltage), ("throttled", c.throttled)) if on]
    return f"is {' and '.join(flags)}" if flags else "was under-voltage or throttled (recovering)"


def evaluate(
    condition: Condition, trips: Mapping[str, Trip], settings: GuardSettings, now: float
) -> dict[str, Trip]:
    """The node's tripped guards after seeing `condition` at `now` (monotonic seconds), from the ones
    tripped before. A guard switched off by its setting is never tripped."""
    result: dict[str, Trip] = {}
    for check in _checks(settings):
        previous = trips.get(check.name)
        if check.trips(condition):
            result[check.name] = Trip(check.reason(condition))
        elif previous is None:
            continue
        elif check.clears(condition):
            since = previous.clearing_since if previous.clearing_since is not None else now
            if now - since < settings.clear_after_s:
                result[check.name] = replace(previous, clearing_since=since)
        else:
            # Between the clear and the trip level, or unknown: still tripped, and the wait starts over.
            result[check.name] = replace(previous, clearing_since=None)
    return result


def reasons(drain: Drain | None, trips: Mapping[str, Trip], utc_now: datetime) -> list[str]:
    """Why the node takes no new job, as predicates ("is drained", "is too hot (…)"); empty: it does."""
    found = [drain.describe()] if drain is not None and drain.active(utc_now) else []
    return found + [trip.reason for trip in trips.values()]
