"""webapi.core.extras: which requirements of an extra are missing, read from the installed metadata."""

from __future__ import annotations

from importlib import metadata

import pytest

from webapi.core import extras


def test_this_checkout_has_the_server_extra():
    assert extras.missing_requirements("server") == []
    assert extras.server_install_hint("web") is None


def test_a_missing_requirement_is_named(monkeypatch: pytest.MonkeyPatch):
    real = metadata.requires("dispycluster") or []
    monkeypatch.setattr(
        metadata, "requires", lambda _name: [*real, 'no-such-package-xyz>=1; extra == "server"']
    )
    assert extras.missing_requirements("server") == ["no-such-package-xyz"]
    hint = extras.server_install_hint("web")
    assert hint is not None and "\n" not in hint
    assert hint.startswith("dispycluster web runs on the master") and "dispycluster[server]" in hint


def test_an_extra_is_told_apart_from_the_base_and_other_extras():
    assert extras._extra_of('fastapi<1; extra == "server"') == "server"
    assert extras._extra_of("psutil<8,>=6.0") is None
    assert extras._extra_of("pytest<10; extra == 'test'") == "test"


def test_a_distribution_that_is_not_installed_tells_nothing():
    assert extras.missing_requirements("server", distribution="no-such-distribution-xyz") is None
