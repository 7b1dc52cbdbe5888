"""Security headers for the UI's responses (pages and static assets)."""

from __future__ import annotations

from starlette.responses import Response

from webapi.http_headers import ASSET_HEADERS, PAGE_HEADERS


def secure_page(response: Response) -> Response:
    response.headers.update(PAGE_HEADERS)
    return response


def secure_asset(response: Response) -> Response:
    response.headers.update(ASSET_HEADERS)
    return response
