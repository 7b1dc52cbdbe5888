"""Bounded, NUL-free requests, refused before any route sees them (pure ASGI).

A request body larger than `DISPYCLUSTER_MAX_REQUEST_BYTES` is a 413, whether announced by
`Content-Length` or streamed; a POST to a path in `larger` (the job batches) has its own limit.
A NUL character anywhere in the path, the query or the body (raw, or as the JSON escape `\\u0000`)
is a 422: PostgreSQL cannot store it, and no field of this API needs it.
Bodies are read whole here (they are bounded) and handed on in one message.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi.core.errors import error_response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ESCAPED_NUL = b"\\u0000"


def has_nul(body: bytes) -> bool:
    """A raw NUL, or a `\\u0000` escape not itself escaped (`\\\\u0000` is a backslash and text)."""
    if b"\x00" in body:
        return True
    start = body.find(_ESCAPED_NUL)
    while start != -1:
        backslashes = 0
        while start - backslashes - 1 >= 0 and body[start - backslashes - 1] == 0x5C:
            backslashes += 1
        if backslashes % 2 == 0:
            return True
        start = body.find(_ESCAPED_NUL, start + 1)
    return False


class RequestGuardMiddleware:
    def __init__(
        self, app: ASGIApp, max_body: int, larger: Mapping[str, tuple[int, str]] | None = None
    ) -> None:
        """`larger`: POST path → (its byte limit, the setting that sets it)."""
        self.app = app
        self.max_body = max_body
        self.larger = dict(larger or {})

    def _limit(self, scope: Scope) -> tuple[int, str]:
        default = (self.max_body, "DISPYCLUSTER_MAX_REQUEST_BYTES")
        return self.larger.get(scope["path"], default) if scope["method"] == "POST" else default

    @staticmethod
    def _too_large(limit: tuple[int, str]) -> str:
        return f"Request body larger than {limit[0]} bytes (the limit is {limit[1]})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await self._refuse(scope, receive, send, 422, "NUL characters are not accepted in a URL")
            return
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit[0]:
                await self._refuse(scope, receive, send, 413, self._too_large(limit))
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay(message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit[0]:
                await self._refuse(scope, receive, send, 413, self._too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if has_nul(body):
            await self._refuse(scope, receive, send, 422, "NUL characters are not accepted in a request body")
            return
        whole = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay(whole, receive), send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await error_response(status, message)(scope, receive, send)


def _replay(first: Message, receive: Receive) -> Receive:
    """A `receive` that answers `first` once, then whatever the server sends (e.g. a disconnect)."""
    pending = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
