"""Security headers on every HTTP answer (API, metrics, errors), with the UI's policy as the default.

The UI sets its own headers on pages and assets (`webapi.ui.headers`); this middleware only adds the
ones an answer lacks, so both agree. FastAPI's `/docs` and `/redoc` pages start their
(locally served) scripts with an inline bootstrap script, so they get only `frame-ancestors` and `nosniff`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi.core.http_headers import HSTS_HEADER, PAGE_HEADERS

DOC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOC_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": "frame-ancestors 'none'",
}


def _raw(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    """ASGI's form of the headers, built once: this runs on every answer."""
    return tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())


_RAW_PAGE_HEADERS = _raw(PAGE_HEADERS)
_RAW_DOC_HEADERS = _raw(DOC_HEADERS)
_RAW_HSTS = _raw(dict([HSTS_HEADER]))


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = _RAW_DOC_HEADERS if scope["path"] in DOC_PATHS else _RAW_PAGE_HEADERS
        if scope.get("scheme") == "https":
            wanted += _RAW_HSTS

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in wanted if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)
