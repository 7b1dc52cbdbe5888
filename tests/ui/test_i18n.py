"""The EN/FR catalogs and the choice of language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.requests import Request

from webapi.ui.i18n import CATALOG_DIR, catalog, choose_language, languages

UI = Path(CATALOG_DIR).parent
# Keys written literally in templates (t["a.b"]) and in JS (t("a.b")); dynamic keys are checked below.
LITERAL_KEY = re.compile(r"""\bt(?:\(|\[)\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")


def _request(headers: dict[str, str]) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "headers": raw})


def test_every_language_has_every_key():
    assert languages() == ("en", "fr")
    assert set(catalog("fr")) == set(catalog("en"))
    assert all(value.strip() for value in catalog("fr").values())


# Words French writes as English does (names, units, "Type", "Source"); any other key must differ.
SAME_IN_BOTH = {
    "nav.grafana", "col.type", "col.source", "pager.label", "metric.cpu", "metric.dispy", "range.1h",
    "range.6h", "range.24h", "status.info", "status.ok", "unit.h", "unit.min", "unit.s", "chart.total",
    "part.dispy", "part.prometheus", "part.alertmanager", "part.grafana",
}  # fmt: skip


def test_french_differs_from_english_except_shared_words():
    english, french = catalog("en"), catalog("fr")
    assert sorted(key for key in english if english[key] == french[key]) == sorted(SAME_IN_BOTH)


def test_french_keeps_every_placeholder():
    english, french = catalog("en"), catalog("fr")
    placeholder = re.compile(r"{\w+}")
    for key, text in english.items():
        assert sorted(placeholder.findall(french[key])) == sorted(placeholder.findall(text)), key


def test_every_literal_key_used_by_the_pages_exists():
    sources = [*UI.glob("templates/*.html"), *UI.glob("static/js/**/*.js")]
    used = {key for path in sources for key in LITERAL_KEY.findall(path.read_text())}
    assert len(used) > 50
    assert sorted(used - set(catalog("en"))) == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "en"),
        ({"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}, "fr"),
        ({"Accept-Language": "de-DE, en;q=0.5, fr;q=0.7"}, "fr"),
        ({"Accept-Language": "fr;q=0, en"}, "en"),
        ({"Accept-Language": "xx, yy;q=bogus"}, "en"),
        ({"Accept-Language": "fr", "Cookie": "lang=en"}, "en"),
        ({"Accept-Language": "en", "Cookie": "lang=fr"}, "fr"),
        ({"Accept-Language": "fr", "Cookie": "lang=../../etc"}, "fr"),
    ],
)
def test_language_choice(headers, expected):
    assert choose_language(_request(headers)) == expected
