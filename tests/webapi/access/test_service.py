"""Named tokens without HTTP: hashing, expiry input, the running service's view and last-use writes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from webapi.access import service
from webapi.access.service import TokenDirectory, cookie_value, digest, parse_expiry
from webapi.access.tables import TokenRow
from webapi.core.domain_errors import ConflictError, InvalidError, NotFoundError
from webapi.core.roles import Role

NOW = datetime(2026, 11, 29, 12, 0)
KEY = "service-token-for-cookies-0123456789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", NOW + timedelta(minutes=90)),
        ("12h", NOW + timedelta(hours=12)),
        ("30d", NOW + timedelta(days=30)),
        ("2w", NOW + timedelta(weeks=2)),
        ("2027-01-01T00:00:00+01:00", datetime(2026, 12, 31, 23, 0)),
        ("2027-01-01", datetime(2027, 1, 1)),
    ],
)
def test_expiry_as_a_duration_or_a_time(text, expected):
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize("text", ["soon", "-1d", "30 d", "2001-01-01", "99999999d", ""])
def test_expiry_refusals(text):
    with pytest.raises(ValueError):
        parse_expiry(text, NOW)


def test_only_the_hash_is_stored_and_names_are_checked(sessions):
    with sessions() as session:
        created = service.create_token(session, "ci", Role.OPERATOR)
        row = session.scalar(select(TokenRow))
        assert row.secret_sha256 == digest(created.secret) and created.secret not in row.secret_sha256
        assert created.secret.startswith("dc_") and len(created.secret) >= 3 + 43
        for name in ("", "(local)", "a b", "x" * 65, "-dash"):
            with pytest.raises(InvalidError, match="A token name is"):
                service.create_token(session, name, Role.VIEWER)
        with pytest.raises(ConflictError, match="exists already"):
            service.create_token(session, "ci", Role.VIEWER)
        with pytest.raises(InvalidError, match="in the past"):
            service.create_token(session, "later", Role.VIEWER, datetime(2001, 1, 1))
        with pytest.raises(NotFoundError, match="No token named 'nobody'"):
            service.revoke_token(session, "nobody")


def test_the_directory_finds_by_bearer_or_cookie_and_refuses_expired_and_revoked(sessions):
    with sessions() as session:
        ci = service.create_token(session, "ci", Role.OPERATOR).secret
        old = service.create_token(session, "old", Role.ADMIN, datetime(2999, 1, 1)).secret
    directory = TokenDirectory(sessions, lambda: KEY)

    async def scenario() -> None:
        caller = await directory.find(ci, None)
        assert caller is not None and (caller.name, caller.role) == ("ci", Role.OPERATOR)
        cookie = cookie_value(KEY, digest(ci))
        assert directory.cookie_for(ci) == cookie
        assert (await directory.find(None, cookie)).name == "ci"  # type: ignore[union-attr]
        assert await directory.find(None, digest(ci)) is None  # the stored hash is no cookie
        assert await directory.find("dc_" + "x" * 43, None) is None
        assert (await directory.find(old, None)).role is Role.ADMIN  # type: ignore[union-attr]
        with sessions() as session:
            session.get(TokenRow, 2).expires_at = datetime(2001, 1, 1)  # type: ignore[union-attr]
            session.commit()
            service.revoke_token(session, "ci")
        directory.invalidate()
        assert await directory.find(old, None) is None
        assert await directory.find(ci, None) is None

    asyncio.run(scenario())


def test_last_use_is_written_at_most_once_a_minute_per_token(sessions, monkeypatch):
    with sessions() as session:
        secret = service.create_token(session, "busy", Role.VIEWER).secret
    directory = TokenDirectory(sessions, lambda: KEY)
    writes: list[int] = []
    real = service.update

    def counted(*args, **kwargs):
        writes.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "update", counted)

    async def use(times: int) -> None:
        for _ in range(times):
            assert await directory.find(secret, None) is not None

    asyncio.run(use(50))
    directory.write_last_use()
    asyncio.run(use(50))
    directory.write_last_use()  # within the minute: nothing written
    assert len(writes) == 1
    directory.write_last_use(force=True)  # at shutdown: the latest use
    assert len(writes) == 2
    with sessions() as session:
        assert session.scalar(select(TokenRow.last_used_at)) == directory.last_used("busy")
