"""Security headers on every HTTP answer (API, metrics, errors), with the UI's policy as the default.

The UI sets its own headers on pages and assets (`webapi.ui.headers`); this middleware only adds the
ones an answer lacks, so both agree. FastAPI's `/docs` and `/redoc` pages start their
(locally served) scripts with an inline bootstrap script, so they get only `frame-ancestors` and `nosniff`.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi.http_headers import PAGE_HEADERS

DOC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOC_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": "frame-ancestors 'none'",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = DOC_HEADERS if scope["path"] in DOC_PATHS else PAGE_HEADERS

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, add_headers)
