"""Hypothesis at the edges the schema fuzzer does not reach: calendar ends, NUL bytes, body sizes.

Against the running service (tests/fuzz/conftest.py), with a fixed derandomized budget. No answer may
be a 5xx; every refusal is a 4xx in the JSON error shape.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import AUTH

BUDGET = settings(
    max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
LIMIT = 1024 * 1024  # DISPYCLUSTER_MAX_REQUEST_BYTES' default
PROCESSING = {"type": "processing", "parameters": {"command": ["true"]}}

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
near_the_ends = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 3)),
    st.datetimes(min_value=datetime(9999, 12, 29), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.datetimes(min_value=datetime(1969, 12, 31), max_value=datetime(1970, 1, 2)),
)
edge_times = st.one_of(
    st.builds(lambda moment, zone: moment.replace(tzinfo=zone).isoformat(), near_the_ends, offsets),
    st.builds(lambda moment: moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z"), near_the_ends),
    st.sampled_from(
        ["0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "-62135596800", "253402300800", "1e300"]
    ),
)


def _time_requests(moment: str) -> list[tuple[str, str, dict[str, Any]]]:
    alert = {"status": "firing", "startsAt": moment, "endsAt": moment, "fingerprint": "fuzz"}
    return [
        ("POST", "/api/jobs", {"json": {"name": "edge", **PROCESSING, "scheduled_at": moment}}),
        ("PUT", "/api/jobs/1", {"json": {"scheduled_at": moment}}),
        ("GET", "/api/jobs", {"params": {"created_after": moment, "created_before": moment}}),
        ("POST", "/api/cluster/nodes/fuzz-node/drain", {"json": {"until": moment}}),
        ("GET", "/api/monitoring/metrics", {"params": {"since": moment}}),
        ("GET", "/api/monitoring/metrics", {"params": {"until": moment, "metric": "cpu_percent"}}),
        ("GET", "/api/monitoring/export", {"params": {"since": moment}}),
        ("GET", "/api/monitoring/export", {"params": {"until": moment, "format": "json"}}),
        (
            "POST",
            "/api/monitoring/alertmanager",
            {"json": {"version": "4", "status": "firing", "alerts": [alert]}},
        ),
    ]


def _no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url, response.text[:500])
    if response.status_code >= 400:
        assert response.json()["error"]["status"] == response.status_code


@pytest.fixture(scope="module")
def client(service_url: str) -> httpx.Client:
    with httpx.Client(base_url=service_url, headers=AUTH, trust_env=False, timeout=30) as client:
        assert client.post("/api/jobs", json={"name": "target", **PROCESSING}).status_code == 201
        node = {"name": "fuzz-node", "address": "127.0.0.1"}
        assert client.post("/api/cluster/nodes", json=node).status_code == 201
        yield client


def test_times_at_the_calendar_edges_never_crash(client: httpx.Client) -> None:
    @BUDGET
    @given(moment=edge_times)
    def run(moment: str) -> None:
        for method, path, kwargs in _time_requests(moment):
            response = client.request(method, path, **kwargs)
            _no_server_error(response)
            if method == "GET" and path.endswith("/export") and response.status_code == 200:
                response.read()
        # Whatever got stored, the lists still answer.
        _no_server_error(client.get("/api/monitoring/alerts", params={"state": "all"}))
        _no_server_error(client.get("/api/jobs", params={"order": "asc"}))

    run()


with_nul = st.builds(lambda head, tail: f"{head}\x00{tail}", st.text(max_size=20), st.text(max_size=20))
NUL_BODIES = [
    lambda text: ("POST", "/api/jobs", {"name": text, **PROCESSING}),
    lambda text: (
        "POST",
        "/api/jobs",
        {"name": "nul", "type": "processing", "parameters": {"command": [text]}},
    ),
    lambda text: ("POST", "/api/jobs", {"name": "nul", "type": text, "parameters": {}}),
    lambda text: ("PUT", "/api/jobs/1", {"name": text}),
    lambda text: ("POST", "/api/cluster/nodes", {"name": text, "address": "127.0.0.1"}),
    lambda text: ("POST", "/api/cluster/nodes", {"name": "nul-node", "address": text}),
    lambda text: ("POST", "/api/cluster/nodes/fuzz-node/drain", {"reason": text}),
    lambda text: ("POST", "/api/jobs", {"name": "nul", **PROCESSING, "placement": {"nodes": [text]}}),
    lambda text: ("POST", "/api/jobs", {"name": "nul", **PROCESSING, "placement": {"labels": {"a": text}}}),
    lambda text: (
        "POST",
        "/api/monitoring/alertmanager",
        {
            "version": "4",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "startsAt": "2026-01-01T00:00:00Z",
                    "fingerprint": "n",
                    "labels": {"a": text},
                }
            ],
        },
    ),
]


def test_nul_bytes_are_a_422_everywhere(client: httpx.Client) -> None:
    @BUDGET
    @given(text=with_nul, which=st.integers(min_value=0, max_value=len(NUL_BODIES) - 1))
    def run(text: str, which: int) -> None:
        method, path, body = NUL_BODIES[which](text)
        response = client.request(method, path, json=body)
        assert response.status_code == 422, response.text
        query = client.get("/api/jobs", params={"q": text})
        assert query.status_code == 422, query.text

    run()


def test_bodies_around_the_size_limit(client: httpx.Client) -> None:
    @BUDGET
    @given(
        size=st.integers(min_value=LIMIT - 64, max_value=LIMIT + 64),
        announced=st.booleans(),
        path=st.sampled_from(
            ["/api/jobs", "/api/cluster/nodes", "/api/monitoring/alertmanager", "/api/jobs/1"]
        ),
    )
    def run(size: int, announced: bool, path: str) -> None:
        prefix, suffix = b'{"name": "', b'"}'
        body = prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix
        content: Any = body if announced else iter([body[: size // 2], body[size // 2 :]])
        method = "PUT" if path == "/api/jobs/1" else "POST"
        response = client.request(method, path, content=content, headers={"Content-Type": "application/json"})
        _no_server_error(response)
        assert (response.status_code == 413) == (size > LIMIT), (size, response.status_code)

    run()
