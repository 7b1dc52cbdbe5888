"""What a run cost its node: the peak temperature and whether the node throttled, folded from the
conditions the collector reported while the job ran (pure). Unknown stays None: a node without a
temperature sensor, or never scraped during the run, gives no figure."""

from __future__ import annotations

from dataclasses import dataclass

from webapi.jobs.dispatch.guards import Condition


@dataclass(frozen=True)
class RunCost:
    peak_temperature_celsius: float | None = None
    throttled: bool | None = None

    def seen(self, condition: Condition) -> RunCost:
        """This cost after one more look at a node the job runs on."""
        peak = self.peak_temperature_celsius
        if condition.temperature is not None:
            peak = condition.temperature if peak is None else max(peak, condition.temperature)
        throttled = self.throttled
        if condition.throttled is not None:
            throttled = bool(throttled) or condition.throttled
        if (peak, throttled) == (self.peak_temperature_celsius, self.throttled):
            return self  # the usual case while a node's condition holds: no new object per look
        return RunCost(peak, throttled)
