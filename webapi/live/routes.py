"""`/ws`: the live feed of the web interface, a plain WebSocket.

Messages are JSON objects `{"type": ..., "data": ...}`, one shape per type:
- `overview`: the `GET /api/cluster/overview` answer, after each collection round;
- `nodes`: the `GET /api/cluster/nodes` answer (a list of node summaries), after each collection round;
- `job`: one job as an item of `GET /api/jobs` (no parameters, result or logs), on each change;
- `alert`: `{"fired": [alert…], "resolved": [alert…]}` with alerts as in `GET /api/monitoring/alerts`;
- `job_log`: `{"job_id", "lines": [line…], "truncated"}` with lines as in `GET /api/jobs/{id}/logs`, the
  output of the job named by `/ws?job=ID` only (a job page follows its job); `truncated` when lines were
  left out (read them from the REST API).
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


MAX_JOB_ID = 2**31 - 1


def followed_job(value: str | None) -> int | None:
    """The job named by `?job=`: None when absent; ValueError when it is not a job id."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_JOB_ID:
        raise ValueError(f"job must be a job id (1 to {MAX_JOB_ID}), not {value[:20]!r}")
    return int(value)


async def _forward(websocket: WebSocket, queue: asyncio.Queue[Event], follow: int | None) -> None:
    async for batch in batches(queue, follow=follow):
        for message in batch:
            await websocket.send_json(message)


@router.websocket("/ws")
async def live_feed(websocket: WebSocket, runtime: RuntimeDep) -> None:
    try:
        follow = followed_job(websocket.query_params.get("job"))
    except ValueError as exc:
        # 1008 (policy violation) with the reason: a WebSocket's way of saying 4xx.
        await websocket.close(code=1008, reason=str(exc))
        return
    await websocket.accept()
    async with runtime.events.subscribe() as queue:
        sender = asyncio.create_task(_forward(websocket, queue, follow))
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
