"""Text catalogs, one JSON file per language, and the choice of language for a request.

The choice is the `lang` cookie (set by the switch in the navigation) when it names a known language,
otherwise the best match of Accept-Language, otherwise English.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.requests import Request

CATALOG_DIR = Path(__file__).parent / "i18n"
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "lang"


@cache
def languages() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in CATALOG_DIR.glob("*.json")))


@cache
def catalog(language: str) -> dict[str, str]:
    messages: dict[str, str] = json.loads((CATALOG_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return messages


def _accepted(header: str) -> list[str]:
    """Primary language subtags of an Accept-Language header, best first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(request: Request) -> str:
    cookie = request.cookies.get(LANG_COOKIE, "")
    if cookie in languages():
        return cookie
    for tag in _accepted(request.headers.get("accept-language", "")):
        if tag in languages():
            return tag
    return DEFAULT_LANGUAGE


def translator(language: str) -> dict[str, str]:
    """The catalog of `language` with English filling any missing key."""
    return {**catalog(DEFAULT_LANGUAGE), **catalog(language)}
