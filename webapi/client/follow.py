"""Following a job until it ends: its state and its new log lines, polled from the REST API.

Why polling rather than the `/ws` feed: the logs endpoint has a cursor (`?since=<id of the last line
printed>`, lines in id order), so every poll asks for exactly the lines not printed yet. Nothing is
printed twice and nothing is skipped, also across a lost connection or a restart of the service, and a
long log comes in pages. `/ws` carries job state changes but no log lines, coalesces them, and loses
whatever happens while a client is disconnected (its clients refresh from the REST API after a
reconnection anyway); it would also need a WebSocket client besides httpx. Two indexed queries every
half second are nothing for the service.
"""

from __future__ import annotations

import time

from webapi.client.http import ApiClient, ApiError, JsonObject, UnreachableError
from webapi.client.output import LogPrinter, message
from webapi.jobs.states import TERMINAL

POLL_S = 0.5
PAGE = 1000
# A restart of the service or a network blip does not end a follow: it keeps trying this long.
RECONNECT_S = 60.0
# Answers of a service that is restarting or behind a proxy that lost it, or of a busy database.
_TRANSIENT_STATUS = frozenset({502, 503, 504})


def _transient(error: Exception) -> bool:
    return isinstance(error, UnreachableError) or (
        isinstance(error, ApiError) and error.status in _TRANSIENT_STATUS
    )


class Follower:
    """One job's state and logs from the cursor `since` on (0: from its first line)."""

    def __init__(self, api: ApiClient, job_id: int, printer: LogPrinter | None, since: int = 0) -> None:
        self.api = api
        self.job_id = job_id
        self.printer = printer
        self.since = since
        # Since when the service has not answered (None: it answers).
        self._lost_at: float | None = None

    def drain(self) -> None:
        """Prints the lines after the cursor, page by page; the cursor moves with every page, so a
        page printed before a failure is not printed again."""
        while True:
            page = self.api.logs(self.job_id, self.since, PAGE)
            if self.printer is not None:
                self.printer.write(page["items"])
            self.since = page["next_since"]
            if len(page["items"]) < PAGE:
                return

    def _poll(self) -> JsonObject:
        # The state first, then the logs: a job's lines are written by the time it shows as ended,
        # so the drain after seeing the end gets the last of them.
        job: JsonObject = self.api.job(self.job_id)
        if self._lost_at is not None:
            message("the service answers again")
            self._lost_at = None
        if self.printer is not None:
            self.drain()
        return job

    def until_end(self) -> JsonObject:
        """Polls until the job has ended (an automatic retry is not an end); the ended job."""
        while True:
            try:
                job = self._poll()
            except (UnreachableError, ApiError) as error:
                if not _transient(error):
                    raise
                if self._lost_at is None:
                    self._lost_at = time.monotonic()
                    message(f"{error}; trying again for {RECONNECT_S:.0f} s")
                elif time.monotonic() - self._lost_at > RECONNECT_S:
                    raise
                time.sleep(POLL_S)
                continue
            if job["status"] in TERMINAL:
                return job
            time.sleep(POLL_S)
