"""`dispycluster token create|list|revoke`: named tokens in the service's own database.

The commands read the settings as the service does (environment and `.env`), so they reach the same
database, SQLite or PostgreSQL, and may run while the service runs: it sees a change within a second.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from webapi.access import service
from webapi.audit import service as audit
from webapi.audit.service import AuditEntry
from webapi.core.db import migrate
from webapi.core.db.engine import make_engine, make_session_factory
from webapi.core.domain_errors import DomainError
from webapi.core.errors import http_status
from webapi.core.roles import CLI, Role
from webapi.core.settings import load_settings
from webapi.core.timefmt import naive_utc_now


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") + "Z" if value else "-"


def _who() -> str:
    """`user@host` of whoever runs the command (the audit's address column)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()}"


def _record(sessions: sessionmaker[Session], action: str, name: str, status: int) -> None:
    """Token changes from the command line join the audit trail, as the API's would."""
    with sessions() as session:
        audit.write(
            session,
            [
                AuditEntry(
                    at=naive_utc_now(),
                    token_name=CLI,
                    role=Role.ADMIN.value,
                    method="CLI",
                    path=f"dispycluster token {action}",
                    target=f"name={name}",
                    status=status,
                    client=_who(),
                )
            ],
        )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    sessions = make_session_factory(engine)
    try:
        migrate.upgrade(engine)
        with sessions() as session:
            if args.action == "create":
                expires = service.parse_expiry(args.expires, naive_utc_now()) if args.expires else None
                created = service.create_token(session, args.name, Role(args.role), expires)
                print(created.secret)
                print(
                    f"token {args.name!r} ({args.role}) created; this is the only time it is shown",
                    file=sys.stderr,
                )
            elif args.action == "list":
                rows = [("NAME", "ROLE", "CREATED", "EXPIRES", "LAST USED")]
                rows += [
                    (
                        row.name,
                        row.role,
                        _moment(row.created_at),
                        _moment(row.expires_at),
                        _moment(row.last_used_at),
                    )
                    for row in service.list_tokens(session)
                ]
                widths = [max(len(row[column]) for row in rows) for column in range(5)]
                for row in rows:
                    print(
                        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                    )
            else:
                service.revoke_token(session, args.name)
                print(f"token {args.name!r} revoked", file=sys.stderr)
        if args.action != "list":
            _record(sessions, args.action, args.name, 201 if args.action == "create" else 204)
    except (DomainError, ValueError) as error:
        print(f"dispycluster token {args.action}: {error}", file=sys.stderr)
        status = http_status(error) if isinstance(error, DomainError) else 422  # a ValueError: bad input
        _record(sessions, args.action, args.name, status)
        return 1
    finally:
        engine.dispose()
    return 0
