"""Schemathesis against the running service's OpenAPI schema: every operation, with the token.

The service (tests/fuzz/conftest.py) listens beyond loopback so auth is on, as on a cluster. A fixed
budget (30 examples per operation and mode, derandomized) keeps the run short and reproducible. Every
answer must be below 500 and match the schema of its operation.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from tests.fuzz.conftest import AUTH

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def api_schema(service_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{service_url}/openapi.json", headers=AUTH)


# One Hypothesis run per operation, driven here: schemathesis' pytest plugin does not run on pytest 9.
BUDGET = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _fuzz(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, base_url: str) -> None:
    @BUDGET
    @given(case=operation.as_strategy(mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=base_url, headers=AUTH, checks=CHECKS)

    run()


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda mode: mode.value)
def test_every_operation_answers_within_its_schema(
    api_schema: schemathesis.BaseSchema, service_url: str, mode: schemathesis.GenerationMode
) -> None:
    """Positive: data the schema allows; negative: data it forbids, which must get a 4xx, never a 5xx."""
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20, "the schema should list every endpoint"
    for operation in operations:
        try:
            _fuzz(operation, mode, service_url)
        except Unsatisfiable:
            # Negative mode only: nothing in this operation can be made invalid (no parameters, or
            # path strings that any value satisfies once percent-encoded).
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
        except (Exception, BaseExceptionGroup) as error:  # every operation runs; each failure is named
            failures[operation.label] = str(error)[:2000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/jobs/{}"),
        ("PUT", "/api/jobs/{}"),
        ("DELETE", "/api/jobs/{}"),
        ("POST", "/api/jobs/{}/retry"),
        ("GET", "/api/jobs/{}/logs"),
    ],
)
def test_job_ids_beyond_the_key_range_are_refused_not_crashed(
    service_url: str, method: str, path: str
) -> None:
    """What the fuzzer found: an id the database cannot bind (beyond 64 bits on SQLite, 32 bits on
    PostgreSQL's integer keys) must be a 4xx."""
    with httpx.Client(base_url=service_url, headers=AUTH, trust_env=False, timeout=10) as client:
        for job_id in (2**31, 2**63 - 1, 2**63, -(2**70)):
            response = client.request(method, path.format(job_id), json={})
            assert 400 <= response.status_code < 500, (job_id, response.status_code, response.text)


def test_a_host_that_cannot_make_a_url_is_refused(service_url: str) -> None:
    """The fuzzer's other find: such a node made every collection round (and collect_metrics) fail."""
    with httpx.Client(base_url=service_url, headers=AUTH, trust_env=False, timeout=10) as client:
        for body in (
            {"name": "idna1", "address": "\u00bdz\u00e1"},
            {"name": "idna2", "address": "127.0.0.1", "exporter": "\u00bdz\u00e1:9100"},
        ):
            refused = client.post("/api/cluster/nodes", json=body)
            assert refused.status_code == 422 and "not a valid host" in refused.text, refused.text
        assert client.post("/api/monitoring/collect_metrics").status_code == 200
