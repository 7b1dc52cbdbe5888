"""The overview's parts: every background service's probe, in order; a probe that raises is a part down."""

import asyncio
from dataclasses import dataclass

from webapi.cluster.parts import probe_parts
from webapi.core.health import PartHealth
from webapi.core.runtime import Runtime
from webapi.core.settings import load_settings


@dataclass
class Service:
    name: str
    health: PartHealth | Exception | None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def probe(self) -> PartHealth | None:
        if isinstance(self.health, Exception):
            raise self.health
        return self.health


def test_services_are_probed_in_order_and_a_failing_probe_is_a_part_down(tmp_path):
    runtime = Runtime.from_settings(load_settings(data_dir=tmp_path))
    runtime.services += [
        Service("first", PartHealth(name="first", status="ok")),
        Service("quiet", None),
        Service("broken", RuntimeError("engine gone")),
    ]
    parts = asyncio.run(probe_parts(runtime))
    runtime.engine.dispose()
    assert [(p.name, p.status, p.detail) for p in parts] == [
        ("first", "ok", None),
        ("broken", "down", "RuntimeError: engine gone"),
    ]
