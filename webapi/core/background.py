"""Small pieces the background services share: stopping their task, and database chores in a worker
thread whose failure is logged rather than raised (the service keeps going and tries again)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError


async def stop_task(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def in_thread_logged(work: Callable[[], object], log: logging.Logger, failure: str) -> bool:
    """Runs `work` in a worker thread; a database error is logged as `failure: error`. True if it ran."""
    try:
        await asyncio.to_thread(work)
    except SQLAlchemyError as error:
        log.warning("%s: %s", failure, error)
        return False
    return True
