"""Security headers for the UI's responses (pages and static assets)."""

from __future__ import annotations

from typing import TypeVar

from starlette.responses import Response

from webapi.core.http_headers import ASSET_HEADERS, PAGE_HEADERS

R = TypeVar("R", bound=Response)


def secure_page(response: R) -> R:
    response.headers.update(PAGE_HEADERS)
    return response


def secure_asset(response: R) -> R:
    response.headers.update(ASSET_HEADERS)
    return response
