"""What a run cost its node: the peak temperature and whether the node throttled, folded from the
conditions the collector reported while the job ran (pure). Unknown stays None: a node without a
temperature sensor, or never scraped during the run, gives no figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from webapi.jobs.dispatch.guards import Condition


@dataclass(frozen=True)
class RunCost:
    peak_temperature_celsius: float | None = None
    throttled: bool | None = None

    @classmethod
    def of(cls, condition: Condition) -> RunCost:
        """What one look at a node in this condition adds to a run's cost."""
        return cls(condition.temperature, condition.throttled)

    def joined(self, other: RunCost) -> RunCost:
        """This cost and `other` together: the higher peak, throttled when either throttled. Either one
        itself when it already says it all (the usual case: no new object per look)."""
        peak, throttled = self.peak_temperature_celsius, self.throttled
        if other.peak_temperature_celsius is not None:
            peak = (
                other.peak_temperature_celsius if peak is None else max(peak, other.peak_temperature_celsius)
            )
        if other.throttled is not None:
            throttled = bool(throttled) or other.throttled
        if peak == self.peak_temperature_celsius and throttled == self.throttled:
            return self
        if peak == other.peak_temperature_celsius and throttled == other.throttled:
            return other
        return RunCost(peak, throttled)


NOTHING = RunCost()


class NodeCosts(Protocol):
    """What the latest look at the nodes costs a run on each (`webapi.jobs.dispatch.nodeboard.NodeBoard`)."""

    @property
    def generation(self) -> int:
        """Changes with every new look: a run that folded this generation in has nothing more to fold."""

    def cost(self, node: str) -> RunCost: ...
