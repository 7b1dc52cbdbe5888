"""The dispatcher's view of every node: labels, drain and tripped guards, refreshed from the inventory
(and the drains) every few seconds or when told, and from the collector's condition every second.

The dispatcher thread refreshes it; request threads read `views`, a dict replaced whole (never changed
in place), so a reader always sees one consistent state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from webapi.core.timefmt import naive_utc_now
from webapi.jobs import metrics
from webapi.jobs.dispatch import guards
from webapi.jobs.dispatch.cost import NOTHING, RunCost
from webapi.jobs.dispatch.engine_api import DispyNodeState, NodeStateName
from webapi.jobs.dispatch.guards import UNKNOWN, Condition, Drain, GuardSettings, Trip
from webapi.jobs.dispatch.placement import NodeSlot

FACTS_REFRESH_S = 5.0
CONDITION_REFRESH_S = 1.0


@dataclass(frozen=True)
class NodeFacts:
    """What the inventory and the operator say of a node."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    drain: Drain | None = None


@dataclass(frozen=True)
class NodeView:
    """Whether the node takes new jobs (drain and guards; its dispy side is the engine's), else why not."""

    name: str
    labels: Mapping[str, str]
    reasons: tuple[str, ...]
    drained: bool = False

    @property
    def schedulable(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str | None:
        return f"{self.name} " + "; ".join(self.reasons) if self.reasons else None


FactsSource = Callable[[Session], list[NodeFacts]]
ConditionSource = Callable[[str], Condition]


class NodeBoard:
    def __init__(
        self,
        settings: GuardSettings,
        sessions: Callable[[], Session],
        facts_source: FactsSource | None = None,
        condition_source: ConditionSource | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._facts_source = facts_source
        self._condition_source = condition_source
        self._facts: dict[str, NodeFacts] = {}
        self._trips: dict[str, dict[str, Trip]] = {}
        self._conditions: dict[str, Condition] = {}
        # What the latest conditions cost a run on each node, and a count of the looks (`NodeCosts`).
        self._costs: dict[str, RunCost] = {}
        self.generation = 0
        self._next_facts = 0.0
        self._next_conditions = 0.0
        self.views: dict[str, NodeView] = {}

    def invalidate(self) -> None:
        """A drain changed (or the inventory): the next refresh reads the facts again."""
        self._next_facts = 0.0

    def known(self) -> set[str]:
        return set(self._facts)

    def blocked(self) -> dict[str, str]:
        """Why each node that takes no new job now does not (node → reason)."""
        return {name: view.reason for name, view in self.views.items() if view.reason is not None}

    def cost(self, name: str) -> RunCost:
        return self._costs.get(name, NOTHING)

    def refresh(self, now: float, engine_nodes: list[DispyNodeState]) -> bool:
        """Brings the views up to date when their time has come; True when it did."""
        facts_due, conditions_due = now >= self._next_facts, now >= self._next_conditions
        if not (facts_due or conditions_due):
            return False
        if facts_due and self._facts_source is not None:
            with self._sessions() as session:
                self._facts = {facts.name: facts for facts in self._facts_source(session)}
            self._next_facts = now + FACTS_REFRESH_S
        self._next_conditions = now + CONDITION_REFRESH_S
        names = set(self._facts) | {state.name for state in engine_nodes}
        self._conditions = {name: self._read_condition(name) for name in names}
        # The costs first: a run that sees the new generation must find them.
        self._costs = {name: RunCost.of(condition) for name, condition in self._conditions.items()}
        self.generation += 1
        self._trips = {
            name: guards.evaluate(self._conditions[name], self._trips.get(name, {}), self._settings, now)
            for name in names
        }
        self._publish(names, naive_utc_now())
        return True

    def _read_condition(self, name: str) -> Condition:
        return self._condition_source(name) if self._condition_source is not None else UNKNOWN

    def _publish(self, names: set[str], utc_now: datetime) -> None:
        views = {}
        for name in sorted(names):
            facts = self._facts.get(name) or NodeFacts(name)
            reasons = guards.reasons(facts.drain, self._trips.get(name, {}), utc_now)
            drained = facts.drain is not None and facts.drain.active(utc_now)
            views[name] = NodeView(name, facts.labels, tuple(reasons), drained)
        for gone in self.views.keys() - views.keys():
            metrics.NODE_SCHEDULABLE.remove(gone)
        for view in views.values():
            metrics.NODE_SCHEDULABLE.labels(view.name).set(1 if view.schedulable else 0)
        self.views = views

    def slots(
        self, engine_nodes: list[DispyNodeState], loads: Counter[str], room: Callable[[str, int], int]
    ) -> list[NodeSlot]:
        """Every node as placement sees it: schedulable only while it is up in the engine too; `free` is
        its room for more chunks: `room(name, cpus)`, the chunks it may hold, less those it holds."""
        engine = {state.name: state for state in engine_nodes}
        slots = []
        for name, view in self.views.items():
            state = engine.get(name)
            if state is None:
                slots.append(NodeSlot(name, view.labels, False, "is not a dispy node of the service"))
            elif not view.schedulable:
                slots.append(NodeSlot(name, view.labels, False, "; ".join(view.reasons)))
            elif state.state != NodeStateName.UP:
                slots.append(NodeSlot(name, view.labels, False, f"has its dispy node {state.state.value}"))
            else:
                slots.append(
                    NodeSlot(name, view.labels, True, None, room(name, state.cpus or 0) - loads[name])
                )
        return slots
