"""How many chunks a node is handed at once: `jobs_per_cpu` per CPU, or, for a node that ends chunks
faster than the dispatcher's steps refill it, what it ends in HORIZON_S beyond its running ones.

dispy starts a node's next chunk as soon as one ends, from the chunks it holds for that node; the
dispatcher refills that store once per step (steps are up to `pacing.STEP_GAP_S` apart under load).
With short jobs a fixed count per CPU runs dry between two steps and the node idles: 3 per CPU on a
node of 2 CPUs ending 100 chunks a second is 40 ms of work, a quarter of the gap between steps. A depth
in time keeps the delay a new, more urgent job waits behind chunks already handed over under HORIZON_S
as well.
"""

from __future__ import annotations

import math
from collections import deque

# A node is handed what it ends in this long, past its CPUs: over twice the step gap, which the step
# itself and the GIL's turns add to. In `bench batch`, 0.4 s with 160 ms steps cost the dispatcher ~20 %
# less CPU per job than 0.2 s with 80 ms (half the steps: each costs ~1.5 ms whatever it carries), as
# 0.2 s with 80 ms had against 0.1 s with 40 ms, and kept the node as busy.
HORIZON_S = 0.4
# A node's pace: the chunks it ended in the last WINDOW_S, over the part of it since the first of them
# (not less than MIN_SPAN_S, so one end does not make a burst).
WINDOW_S = 1.0
MIN_SPAN_S = 0.1
# The most chunks per CPU a node is handed, whatever its pace (the bound of `jobs_per_cpu` too).
MAX_PER_CPU = 16


def room(cpus: int, per_cpu: int, pace: float) -> int:
    """The chunks a node of `cpus` CPUs may hold, ending `pace` chunks a second. `per_cpu` 1 (strict
    queue order) hands no more."""
    fixed = cpus * per_cpu
    if per_cpu == 1:
        return fixed
    return min(max(fixed, cpus + math.ceil(pace * HORIZON_S)), cpus * MAX_PER_CPU)


class Pace:
    """The chunk ends of each node over the last WINDOW_S (monotonic seconds), as a rate."""

    def __init__(self) -> None:
        self._ends: dict[str, deque[float]] = {}

    def ended(self, node: str, now: float) -> None:
        self._ends.setdefault(node, deque()).append(now)

    def per_second(self, node: str, now: float) -> float:
        ends = self._ends.get(node)
        if not ends:
            return 0.0
        while ends and ends[0] <= now - WINDOW_S:
            ends.popleft()
        if not ends:
            return 0.0
        # Over the whole window, a node that began ending chunks 0.1 s ago at 100 a second would count as
        # 10 a second, be handed that little, and take seconds to reach its pace (in `bench batch` 1,000
        # jobs ended ~0.4 s later than with raw dispy for that alone).
        return len(ends) / max(now - ends[0], MIN_SPAN_S)
