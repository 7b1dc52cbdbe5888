"""In-process publish/subscribe for live updates (the UI's WebSocket feed reads it).

Publishers call `publish(type, data)` from the event loop or, through `publish_threadsafe`, from any
thread (dispy's callbacks run on its own threads). Each subscriber gets its own bounded queue; a slow
subscriber loses its oldest messages instead of blocking the publishers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    type: str
    data: Any

    def as_message(self) -> dict[str, Any]:
        return {"type": self.type, "data": self.data}


@dataclass
class EventBus:
    queue_size: int = 256
    _subscribers: set[asyncio.Queue[Event]] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, type_: str, data: Any) -> None:
        event = Event(type_, data)
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    def publish_threadsafe(self, type_: str, data: Any) -> None:
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self.publish, type_, data)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self.queue_size)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
