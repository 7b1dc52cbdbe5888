"""The job endpoints without any node: validation, listing, changes and cancel of queued jobs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.support.jobs import submit
from webapi.core.timefmt import naive_utc_now
from webapi.jobs.tables import Job


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client([])


def test_types_are_listed_with_their_schemas_and_not_shadowed(client):
    response = client.get("/api/jobs/types")
    assert response.status_code == 200
    types = {item["name"]: item for item in response.json()}
    assert set(types) == {"analysis", "processing", "scraping"}
    assert types["scraping"]["parameters"]["properties"]["max_pages"]["maximum"] == 1000
    assert "command" in types["processing"]["parameters"]["required"]


def test_create_returns_201_with_location_and_the_job(client):
    response = client.post(
        "/api/jobs", json={"name": "echo", "type": "processing", "parameters": {"command": ["true"]}}
    )
    assert response.status_code == 201
    job = response.json()
    assert response.headers["location"] == f"/api/jobs/{job['id']}"
    assert job["status"] == "queued" and job["priority"] == 5 and job["attempts"] == 0
    assert job["created_at"].endswith("Z")
    assert client.get(response.headers["location"]).json()["parameters"]["command"] == ["true"]


def test_unknown_type_is_422_naming_the_field(client):
    response = client.post("/api/jobs", json={"name": "x", "type": "nope", "parameters": {}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "Unknown job type 'nope'" in error["message"]
    assert [field["loc"] for field in error["fields"]] == ["body.type"]


def test_bad_parameters_are_422_with_every_field_error(client):
    response = client.post(
        "/api/jobs",
        json={"name": "x", "type": "scraping", "parameters": {"start_url": "ftp://a", "max_pages": 5000}},
    )
    assert response.status_code == 422
    locs = {field["loc"] for field in response.json()["error"]["fields"]}
    assert locs == {"body.parameters.start_url", "body.parameters.max_pages"}


def test_bad_envelope_fields_are_422(client):
    response = client.post(
        "/api/jobs",
        json={"name": "", "type": "processing", "parameters": {"command": ["true"]}, "priority": 11},
    )
    assert response.status_code == 422
    assert {f["loc"] for f in response.json()["error"]["fields"]} == {"body.name", "body.priority"}


def test_analysis_needs_a_succeeded_scraping_job(client):
    other = submit(client, "processing", {"command": ["true"]})
    response = client.post(
        "/api/jobs", json={"name": "a", "type": "analysis", "parameters": {"source_job_id": other["id"]}}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == "body.parameters.source_job_id"


def test_processing_can_be_switched_off(make_client):
    client = make_client([], allow_commands=False)
    response = client.post(
        "/api/jobs", json={"name": "x", "type": "processing", "parameters": {"command": ["id"]}}
    )
    assert response.status_code == 403
    assert "DISPYCLUSTER_ALLOW_COMMANDS" in response.json()["error"]["message"]


def test_list_is_newest_first_filtered_and_paged(client):
    ids = [submit(client, "processing", {"command": ["true"]}, name=f"job {i}")["id"] for i in range(5)]
    submit(client, "scraping", {"start_url": "http://example.org/"}, name="crawl")
    page = client.get("/api/jobs", params={"type": "processing", "limit": 2, "offset": 1}).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1
    assert [item["id"] for item in page["items"]] == [ids[3], ids[2]]
    assert "result" not in page["items"][0] and "parameters" not in page["items"][0]
    assert [i["name"] for i in client.get("/api/jobs", params={"q": "craw"}).json()["items"]] == ["crawl"]
    assert client.get("/api/jobs", params={"status": "running"}).json()["total"] == 0
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert client.get("/api/jobs", params={"created_after": future}).json()["total"] == 0
    assert client.get("/api/jobs", params={"created_before": future}).json()["total"] == 6


def test_list_order_is_by_creation_time_then_id(client):
    ids = [submit(client, "processing", {"command": ["true"]}, name=f"job {i}")["id"] for i in range(3)]
    # The first job created last; the other two at the same instant (the id breaks the tie).
    with client.app.state.runtime.sessions() as session:
        first, second, third = (session.get(Job, job_id) for job_id in ids)
        first.created_at = naive_utc_now() + timedelta(hours=1)
        third.created_at = second.created_at
        session.commit()

    def listed(**params: str) -> list[int]:
        return [item["id"] for item in client.get("/api/jobs", params=params).json()["items"]]

    assert listed() == listed(order="desc") == [ids[0], ids[2], ids[1]]
    assert listed(order="asc") == [ids[1], ids[2], ids[0]]
    assert listed(order="asc", limit="1", offset="1") == [ids[2]]


def test_list_limits_are_enforced(client):
    assert client.get("/api/jobs", params={"limit": 501}).status_code == 422
    assert client.get("/api/jobs", params={"status": "bogus"}).status_code == 422
    response = client.get("/api/jobs", params={"order": "newest"})
    assert response.status_code == 422
    assert [field["loc"] for field in response.json()["error"]["fields"]] == ["query.order"]


def test_unknown_job_is_404(client):
    for method, path in [
        ("GET", "/api/jobs/999"),
        ("PUT", "/api/jobs/999"),
        ("DELETE", "/api/jobs/999"),
        ("POST", "/api/jobs/999/retry"),
        ("GET", "/api/jobs/999/logs"),
    ]:
        response = client.request(method, path, json={} if method == "PUT" else None)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["message"] == "Unknown job 999"


def test_queued_job_can_be_changed_then_cancelled_at_once(client):
    job = submit(client, "processing", {"command": ["true"]})
    when = "2030-01-02T03:04:05Z"
    changed = client.put(
        f"/api/jobs/{job['id']}", json={"name": "renamed", "priority": 9, "scheduled_at": when}
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "renamed" and changed.json()["priority"] == 9
    assert changed.json()["scheduled_at"] == "2030-01-02T03:04:05.000Z"
    cancelled = client.delete(f"/api/jobs/{job['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 409
    assert client.put(f"/api/jobs/{job['id']}", json={"priority": 1}).status_code == 409


def test_retry_of_a_cancelled_job_queues_it_again(client):
    job = submit(client, "processing", {"command": ["true"]})
    assert client.post(f"/api/jobs/{job['id']}/retry").status_code == 409
    client.delete(f"/api/jobs/{job['id']}")
    retried = client.post(f"/api/jobs/{job['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "queued"


async def _subscribe(bus):
    subscription = bus.subscribe()
    return subscription, await subscription.__aenter__()


async def _next_job_event(queue):
    while (event := await asyncio.wait_for(queue.get(), 10)).type != "job":
        continue
    return event


def test_job_events_are_published(client):
    subscription, queue = client.portal.call(_subscribe, client.app.state.runtime.events)
    job = submit(client, "processing", {"command": ["true"]})
    event = client.portal.call(_next_job_event, queue)
    client.portal.call(subscription.__aexit__, None, None, None)
    assert event.as_message()["type"] == "job"
    assert event.data["id"] == job["id"] and event.data["status"] == "queued"
