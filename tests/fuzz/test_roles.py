"""Schemathesis with each role's token: every operation of the schema, no 5xx, and a 403 exactly where
`webapi.core.policy.ROUTE_ROLES` says the role may not (never for what it may).

A smaller budget than test_openapi.py (which fuzzes everything as admin): 5 derandomized examples per
operation and role, data the schema allows, so that each request reaches its route's role check.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.fuzz.conftest import AUTH
from tests.support.tokens import ROLES, role_tokens
from webapi.core.policy import ROUTE_ROLES
from webapi.core.roles import Role

BUDGET = settings(
    max_examples=5, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def api_schema(service_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{service_url}/openapi.json", headers=AUTH)


@pytest.fixture(scope="module")
def tokens(service_data_dir) -> dict[str, str]:
    return role_tokens(service_data_dir, "fuzz")


def _role_check(role: Role):
    def refused_exactly_where_the_table_says(_ctx, response, case) -> None:
        need = ROUTE_ROLES[f"{case.operation.method.upper()} {case.operation.path}"]
        allowed = not isinstance(need, Role) or role.allows(need)
        status = response.status_code
        assert status != 401, f"{case.operation.label}: a valid {role} token got 401"
        if allowed:
            assert status != 403, f"{case.operation.label}: {role} may, got 403: {response.text[:200]}"
        else:
            assert status == 403 and f"needs the {need} role" in response.text, (case.operation.label, status)

    return refused_exactly_where_the_table_says


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_exactly_where_the_table_says(
    api_schema: schemathesis.BaseSchema, service_url: str, tokens: dict[str, str], role: str
) -> None:
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    checks = [not_a_server_error, _role_check(Role(role))]
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @BUDGET
        @given(case=operation.as_strategy(schemathesis.GenerationMode.POSITIVE))
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=service_url, headers=headers, checks=checks)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # every operation runs; each failure is named
            failures[operation.label] = str(error)[:2000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
