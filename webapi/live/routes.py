"""`/ws`: the live feed of the web interface, a plain WebSocket.

Messages are JSON objects `{"type": ..., "data": ...}`, one shape per type:
- `overview`: the `GET /api/cluster/overview` answer, after each collection round;
- `nodes`: the `GET /api/cluster/nodes` answer (a list of node summaries), after each collection round;
- `job`: one job as an item of `GET /api/jobs` (no parameters, result or logs), on each change;
- `alert`: `{"fired": [alert…], "resolved": [alert…]}` with alerts as in `GET /api/monitoring/alerts`.
Updates are coalesced (`webapi.live.feed`): about one message per type per second, one per job. The
client sends nothing; after a reconnection it should refresh from the REST API.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from webapi.core.dependencies import RuntimeDep
from webapi.core.events import Event
from webapi.live.feed import batches

router = APIRouter()


async def _forward(websocket: WebSocket, queue: asyncio.Queue[Event]) -> None:
    async for batch in batches(queue):
        for message in batch:
            await websocket.send_json(message)


@router.websocket("/ws")
async def live_feed(websocket: WebSocket, runtime: RuntimeDep) -> None:
    await websocket.accept()
    async with runtime.events.subscribe() as queue:
        sender = asyncio.create_task(_forward(websocket, queue))
        try:
            # Nothing is expected from the client; reading is how a closed connection shows up.
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await sender
