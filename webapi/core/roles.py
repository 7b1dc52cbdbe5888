"""The three roles, ordered: each may do what the one before it may, and more.

- `viewer`: read everything (the API's GETs, the live feed `/ws`);
- `operator`: also submit, change, cancel and retry jobs, run a collection round, drain and resume nodes,
  feed alerts (the Alertmanager webhook);
- `admin`: also change the inventory, manage tokens, read the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANKS: Final = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}

Public = Literal["public"]
# A route anyone may use, without a token (liveness, /metrics, the static UI frames, the package index).
PUBLIC: Final[Public] = "public"
Need = Role | Public

# Names of callers that are not named tokens; parentheses keep them apart from token names.
SERVICE_TOKEN = "(service token)"
LOCAL = "(local)"
ANONYMOUS = "(anonymous)"
INVALID = "(invalid token)"
CLI = "(command line)"  # `dispycluster token`, run by whoever may open the service's database


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: a token's name and role, or no role at all (no token or a bad one)."""

    name: str
    role: Role | None

    def may(self, needed: Need) -> bool:
        return not isinstance(needed, Role) or (self.role is not None and self.role.allows(needed))


LOCAL_CALLER: Final = Caller(LOCAL, Role.ADMIN)
SERVICE_CALLER: Final = Caller(SERVICE_TOKEN, Role.ADMIN)
ANONYMOUS_CALLER: Final = Caller(ANONYMOUS, None)
INVALID_CALLER: Final = Caller(INVALID, None)
