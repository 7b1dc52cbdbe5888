"""The audit trail of a running service: every mutation request, whoever sent it and however it ended,
refusals included; reads are not recorded; `GET /api/audit` takes only bounded filters."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.security.conftest import TOKEN
from tests.support.tokens import role_tokens
from tests.support.webservice import Service

ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def tokens(exposed: Service) -> dict[str, str]:
    return role_tokens(exposed.data_dir, "audit")


def _audit(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/api/audit", params={"limit": 500, **params}, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _eventually(client: httpx.Client, count: int, **params: Any) -> list[dict[str, Any]]:
    """The entries are written in batches about twice a second: wait for them (no timing asserted)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        items = _audit(client, **params)
        if len(items) >= count:
            return items
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} audit entries for {params}: {_audit(client, **params)}")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_mutation_is_recorded_with_who_what_and_the_outcome(
    exposed: Service, tokens: dict[str, str]
) -> None:
    with exposed.client() as client:
        job = client.post(
            "/api/jobs",
            json={"name": "audited", "type": "processing", "parameters": {"command": ["true"]}},
            headers=_bearer(tokens["operator"]),
        )
        assert job.status_code == 201
        job_id = job.json()["id"]
        sent = [
            (client.delete(f"/api/jobs/{job_id}", headers=_bearer(tokens["viewer"])), 403),
            (client.post("/api/monitoring/collect_metrics"), 401),
            (
                client.post("/api/monitoring/collect_metrics", headers={"Authorization": "Bearer dc_wrong"}),
                401,
            ),
            (client.delete("/api/cluster/nodes/ghost", headers=_bearer(tokens["admin"])), 404),
            (
                client.post(
                    "/api/jobs", content=b'{"name": "a\\u0000"}', headers=_bearer(tokens["operator"])
                ),
                422,
            ),
            (client.post("/api/jobs", content=b"x" * 2_000_000, headers=_bearer(tokens["operator"])), 413),
            (
                client.post(
                    "/api/monitoring/collect_metrics",
                    headers={"Origin": "http://evil.example", "Cookie": "a=b"},
                ),
                403,
            ),
        ]
        assert [response.status_code for response, _ in sent] == [expected for _, expected in sent]
        for _ in range(3):
            client.get("/api/cluster/nodes", headers=_bearer(tokens["viewer"]))
        items = _eventually(client, 8)
    by_outcome = {(item["method"], item["path"], item["status"], item["token_name"]): item for item in items}
    created = by_outcome[("POST", "/api/jobs", 201, "audit-operator")]
    assert created["role"] == "operator" and created["target"] == f"job_id={job_id}"
    assert created["client"] == "127.0.0.1" and created["at"].endswith("Z")
    refused = by_outcome[("DELETE", f"/api/jobs/{job_id}", 403, "audit-viewer")]
    assert refused["role"] == "viewer" and refused["target"] == f"job_id={job_id}"
    assert ("POST", "/api/monitoring/collect_metrics", 401, "(anonymous)") in by_outcome
    assert by_outcome[("POST", "/api/monitoring/collect_metrics", 401, "(invalid token)")]["role"] is None
    assert (
        by_outcome[("DELETE", "/api/cluster/nodes/ghost", 404, "audit-admin")]["target"] == "node_name=ghost"
    )
    assert ("POST", "/api/jobs", 422, "audit-operator") in by_outcome
    assert ("POST", "/api/jobs", 413, "audit-operator") in by_outcome
    assert ("POST", "/api/monitoring/collect_metrics", 403, "(anonymous)") in by_outcome
    assert all(item["method"] != "GET" for item in items)


def test_the_trail_is_filtered_and_paged(exposed: Service, tokens: dict[str, str]) -> None:
    with exposed.client() as client:
        for _ in range(3):
            assert client.post("/api/jobs/1/retry", headers=_bearer(tokens["viewer"])).status_code == 403
        mine = _eventually(client, 3, token_name="audit-viewer", path="/api/jobs/1/retry")
        assert {item["status"] for item in mine} == {403}
        assert _audit(client, token_name="audit-viewer", outcome="4xx", method="POST", path="/api/jobs/1/")
        assert _audit(client, token_name="audit-viewer", outcome="2xx") == []
        page = client.get("/api/audit", params={"limit": 2, "offset": 1}, headers=ADMIN).json()
        assert len(page["items"]) == 2 and page["total"] >= 3 and page["offset"] == 1
        newest = _audit(client)[0]["at"]
        # Entries of the same millisecond as the newest one are as new as it is.
        assert {item["at"] for item in _audit(client, since=newest)} == {newest}
        assert _audit(client, until="2001-01-01T00:00:00Z") == []


@pytest.mark.parametrize(
    "params",
    [
        {"outcome": "6xx"},
        {"outcome": "40"},
        {"method": "post"},
        {"method": "X" * 17},
        {"token_name": "t" * 65},
        {"path": "/" * 1001},
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"offset": 2**63},
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59-14:00"},
        {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    ],
    ids=str,
)
def test_bad_filters_are_a_422_in_words(exposed: Service, params: dict[str, Any]) -> None:
    with exposed.client() as client:
        answer = client.get("/api/audit", params=params, headers=ADMIN)
    assert answer.status_code == 422 and answer.json()["error"]["message"], answer.text
