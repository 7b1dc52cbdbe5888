"""Batches, idempotency keys and labels on the job API, without any node running the jobs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from tests.support.jobs import submit
from webapi.core.settings import SettingsError, load_settings
from webapi.jobs import idempotency
from webapi.jobs.idempotency import IdempotencyKey
from webapi.jobs.tables import Job

TRUE = {"command": ["true"]}


def spec(name: str = "job", **fields: object) -> dict[str, object]:
    return {"name": name, "type": "processing", "parameters": TRUE, **fields}


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client([])


def add_node(client: TestClient, name: str, **labels: str) -> None:
    # Port 9 (discard): nothing listens there, so the jobs stay queued.
    body = {"name": name, "address": "127.0.0.1", "dispy_port": 9, "labels": labels}
    assert client.post("/api/cluster/nodes", json=body).status_code == 201


def job_count(client: TestClient) -> int:
    with client.app.state.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


# -- batches ---------------------------------------------------------------------------------------------
def test_a_batch_is_created_whole_in_order(client):
    response = client.post(
        "/api/jobs/batch", json={"jobs": [spec(f"b{i}", priority=1 + i % 10) for i in range(50)]}
    )
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    assert [item["name"] for item in items] == [f"b{i}" for i in range(50)]
    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    assert {item["status"] for item in items} == {"queued"}
    assert client.get(f"/api/jobs/{items[7]['id']}").json()["priority"] == 8
    assert client.get("/api/jobs").json()["total"] == 50


def test_an_invalid_item_is_a_422_naming_it_and_nothing_is_created(client):
    jobs = [spec(f"b{i}") for i in range(10)]
    jobs[3] = spec("bad", priority=11)
    jobs[6] = {"name": "x", "type": "scraping", "parameters": {"start_url": "ftp://a"}}
    jobs[8] = {"name": "x", "type": "nope", "parameters": {}}
    response = client.post("/api/jobs/batch", json={"jobs": jobs})
    assert response.status_code == 422
    assert [f["loc"] for f in response.json()["error"]["fields"]] == ["body.jobs.3.priority"]
    assert job_count(client) == 0

    del jobs[3]  # the envelope is valid now: the types and parameters are checked next, all of them
    response = client.post("/api/jobs/batch", json={"jobs": jobs})
    assert response.status_code == 422
    error = response.json()["error"]
    assert {f["loc"] for f in error["fields"]} == {"body.jobs.5.parameters.start_url", "body.jobs.7.type"}
    assert error["message"].startswith("body.jobs.5: Invalid parameters for scraping")
    assert "(and 1 more invalid jobs)" in error["message"]
    assert job_count(client) == 0


def test_a_type_check_refusing_one_item_creates_nothing(client):
    done = submit(client, "processing", TRUE)
    jobs = [spec("ok"), {"name": "a", "type": "analysis", "parameters": {"source_job_id": done["id"]}}]
    response = client.post("/api/jobs/batch", json={"jobs": jobs})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == "body.jobs.1.parameters.source_job_id"
    assert job_count(client) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"jobs": []},
        {},
        {"jobs": [spec()], "template": spec()},
        {"template": spec()},
        {"template": spec(), "each_node": False},
        {"jobs": [spec()], "each_node": True},
        {"jobs": [spec()], "other": 1},
        {"jobs": "x"},
    ],
)
def test_malformed_batches_are_422(client, body):
    response = client.post("/api/jobs/batch", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"]
    assert job_count(client) == 0


def test_more_than_10000_jobs_is_a_422(client):
    response = client.post("/api/jobs/batch", json={"jobs": [spec("j")] * 10_001})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == "body.jobs"


def test_10000_jobs_fit_the_batch_body_limit_but_not_the_request_limit(client):
    jobs = [spec(f"render frame {i:05}", labels={"team": "vision"}, priority=7) for i in range(10_000)]
    response = client.post("/api/jobs/batch", json={"jobs": jobs})
    assert response.status_code == 201
    assert len(response.json()["items"]) == 10_000
    # The same body is over the 1 MiB of any other request.
    response = client.post("/api/jobs", json={"jobs": jobs})
    assert response.status_code == 413
    assert "DISPYCLUSTER_MAX_REQUEST_BYTES" in response.json()["error"]["message"]


def test_the_batch_limit_is_a_setting(make_client):
    client = make_client([], max_batch_bytes=4096)
    response = client.post("/api/jobs/batch", json={"jobs": [spec("j" * 100)] * 40})
    assert response.status_code == 413
    assert "DISPYCLUSTER_MAX_BATCH_BYTES" in response.json()["error"]["message"]


# -- fan-out ---------------------------------------------------------------------------------------------
def test_each_node_makes_one_job_per_matching_node_pinned_to_it(client):
    add_node(client, "pi1", arch="arm64")
    add_node(client, "pi2", arch="arm64")
    add_node(client, "x86", arch="amd64")
    template = spec("update", labels={"task": "apt"}, placement={"labels": {"arch": "arm64"}})
    response = client.post("/api/jobs/batch", json={"template": template, "each_node": True})
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    assert [item["placement"] for item in items] == [
        {"nodes": ["pi1"], "labels": {"arch": "arm64"}},
        {"nodes": ["pi2"], "labels": {"arch": "arm64"}},
    ]
    assert {item["name"] for item in items} == {"update"}
    assert all(item["labels"] == {"task": "apt"} for item in items)

    everywhere = client.post("/api/jobs/batch", json={"template": spec("all"), "each_node": True})
    assert [item["placement"]["nodes"] for item in everywhere.json()["items"]] == [["pi1"], ["pi2"], ["x86"]]


def test_each_node_within_a_node_list(client):
    add_node(client, "a")
    add_node(client, "b")
    template = spec(placement={"nodes": ["b", "a", "b"]})
    response = client.post("/api/jobs/batch", json={"template": template, "each_node": True})
    assert [item["placement"]["nodes"] for item in response.json()["items"]] == [["b"], ["a"]]


def test_each_node_without_a_matching_node_is_a_422(client):
    add_node(client, "pi1", arch="arm64")
    template = spec(placement={"labels": {"arch": "riscv"}})
    response = client.post("/api/jobs/batch", json={"template": template, "each_node": True})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == "body.template.placement"
    assert job_count(client) == 0


def test_an_unknown_node_in_a_placement_is_a_422(client):
    add_node(client, "pi1")
    response = client.post("/api/jobs", json=spec(placement={"nodes": ["pi1", "ghost"]}))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == "body.placement.nodes.1"
    assert "ghost" in response.json()["error"]["message"]

    jobs = [spec(), spec(placement={"nodes": ["ghost"]})]
    response = client.post("/api/jobs/batch", json={"jobs": jobs})
    assert [f["loc"] for f in response.json()["error"]["fields"]] == ["body.jobs.1.placement.nodes.0"]

    template = spec(placement={"nodes": ["ghost"]})
    response = client.post("/api/jobs/batch", json={"template": template, "each_node": True})
    assert response.json()["error"]["fields"][0]["loc"] == "body.template.placement.nodes.0"
    assert job_count(client) == 0

    assert client.post("/api/jobs", json=spec(placement={"nodes": ["pi1"]})).status_code == 201


# -- idempotency -----------------------------------------------------------------------------------------
def test_the_same_key_and_body_answer_the_original_job(client):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/api/jobs", json=spec("once"), headers=key)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    # Same request in another spelling: key order and a default written out.
    again = client.post("/api/jobs", json={"priority": 5, **spec("once")}, headers=key)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    assert job_count(client) == 1


def test_the_same_key_with_another_body_is_a_409(client):
    key = {"Idempotency-Key": "order-42"}
    assert client.post("/api/jobs", json=spec("one"), headers=key).status_code == 201
    response = client.post("/api/jobs", json=spec("two"), headers=key)
    assert response.status_code == 409
    assert "order-42" in response.json()["error"]["message"]
    assert "already used for another request" in response.json()["error"]["message"]
    # The same key on the other endpoint is another request too.
    response = client.post("/api/jobs/batch", json={"jobs": [spec("one")]}, headers=key)
    assert response.status_code == 409
    assert job_count(client) == 1


def test_a_batch_is_replayed_whole(client):
    key = {"Idempotency-Key": "nightly-2026-11-29"}
    body = {"jobs": [spec(f"n{i}") for i in range(20)]}
    first = client.post("/api/jobs/batch", json=body, headers=key)
    assert first.status_code == 201
    again = client.post("/api/jobs/batch", json=body, headers=key)
    assert again.status_code == 200
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in first.json()["items"]]
    assert job_count(client) == 20


def test_a_refused_request_does_not_use_up_its_key(client):
    key = {"Idempotency-Key": "retry-me"}
    assert client.post("/api/jobs/batch", json={"jobs": [spec(priority=0)]}, headers=key).status_code == 422
    assert client.post("/api/jobs/batch", json={"jobs": [spec()]}, headers=key).status_code == 201


def test_keys_belong_to_their_caller(make_client):
    client = make_client([], api_token="t" * 32)
    first = client.post(
        "/api/jobs", json=spec("a"), headers={"Idempotency-Key": "k", "Authorization": "Bearer " + "t" * 32}
    )
    assert first.status_code == 201
    # The login cookie of the same token is the same caller.
    client.get("/api/health", params={"token": "t" * 32})
    again = client.post("/api/jobs", json=spec("a"), headers={"Idempotency-Key": "k"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    with client.app.state.runtime.sessions() as session:
        scopes = list(session.scalars(select(IdempotencyKey.scope)))
    assert (
        scopes == [idempotency.caller_scope(first.request.headers)] and scopes[0] != idempotency.LOCAL_CALLER
    )
    assert "t" * 32 not in scopes[0]


def test_concurrent_requests_with_one_key_create_one_job(client):
    import concurrent.futures

    key = {"Idempotency-Key": "burst"}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: client.post("/api/jobs", json=spec("burst"), headers=key), range(16))
        )
    assert sorted(a.status_code for a in answers) == [200] * 15 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert job_count(client) == 1


@pytest.mark.parametrize("key", ["", "a b", "x" * 129, "key?x", "a\tb", "semi;colon"])
def test_bad_keys_are_a_422(client, key):
    response = client.post(
        "/api/jobs", json=spec(), headers={"Idempotency-Key": key.encode().decode("latin-1")}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == "header.Idempotency-Key"
    assert job_count(client) == 0


def test_keys_are_kept_a_day_then_purged(client):
    key = {"Idempotency-Key": "old"}
    created = client.post("/api/jobs", json=spec("a"), headers=key).json()
    sessions = client.app.state.runtime.sessions
    with sessions() as session:
        client.app.state.runtime.jobs.housekeeping.purge(session, 1e12)
        row = session.scalars(select(IdempotencyKey).where(IdempotencyKey.key == "old")).one()
        assert row.job_ids == [created["id"]]
        row.created_at -= timedelta(hours=24, minutes=1)
        session.commit()
        client.app.state.runtime.jobs.housekeeping.purge(session, 2e12)
        assert session.scalars(select(IdempotencyKey)).all() == []
    # Forgotten: the key makes a new job.
    assert client.post("/api/jobs", json=spec("b"), headers=key).status_code == 201


def test_the_key_retention_is_at_least_a_day():
    with pytest.raises(SettingsError, match="DISPYCLUSTER_IDEMPOTENCY_KEY_HOURS"):
        load_settings(idempotency_key_hours=12)


# -- labels ----------------------------------------------------------------------------------------------
def test_labels_are_kept_and_filter_the_list(client):
    a = submit(client, "processing", TRUE, labels={"team": "ml", "env": "prod"})
    b = submit(client, "processing", TRUE, labels={"team": "ml", "env": "dev"})
    submit(client, "processing", TRUE)
    assert client.get(f"/api/jobs/{a['id']}").json()["labels"] == {"team": "ml", "env": "prod"}

    def ids(*filters: str) -> list[int]:
        page = client.get("/api/jobs", params=[("label", f) for f in filters]).json()
        assert page["total"] == len(page["items"])
        return [item["id"] for item in page["items"]]

    assert ids("team=ml") == [b["id"], a["id"]]
    assert ids("team=ml", "env=prod") == [a["id"]]
    assert ids("team=ops") == []
    assert ids("env=") == []
    assert client.get("/api/jobs").json()["items"][0]["labels"] == {}


def test_a_label_value_with_equals_and_spaces_matches(client):
    job = submit(client, "processing", TRUE, labels={"query": "a=b c"})
    assert [i["id"] for i in client.get("/api/jobs", params={"label": "query=a=b c"}).json()["items"]] == [
        job["id"]
    ]


@pytest.mark.parametrize(
    "labels",
    [
        {"1x": "a"},
        {"__x": "a"},
        {"a-b": "a"},
        {"k" * 64: "a"},
        {"k": "v" * 129},
        {"k": "a\nb"},
        {f"k{i}": "v" for i in range(17)},
        {"k": 1},
    ],
)
def test_bad_labels_are_a_422(client, labels):
    response = client.post("/api/jobs", json=spec(labels=labels))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["loc"].startswith("body.labels")


@pytest.mark.parametrize("value", ["team", "=ml", "1x=a", "__a=b", "k=" + "v" * 129])
def test_bad_label_filters_are_a_422(client, value):
    response = client.get("/api/jobs", params={"label": value})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == "query.label.0"


def test_a_label_filter_naming_a_key_twice_is_a_422(client):
    response = client.get("/api/jobs", params=[("label", "a=1"), ("label", "a=2")])
    assert response.status_code == 422
    assert client.get("/api/jobs", params=[("label", "a=1"), ("label", "a=1")]).status_code == 200


def test_at_most_16_label_filters(client):
    params = [("label", f"k{i}=v") for i in range(17)]
    response = client.get("/api/jobs", params=params)
    assert response.status_code == 422
    assert client.get("/api/jobs", params=params[:16]).status_code == 200


def test_a_replay_after_the_job_was_deleted_is_a_410(client):
    key = {"Idempotency-Key": "gone"}
    created = client.post("/api/jobs", json=spec("gone"), headers=key).json()
    with client.app.state.runtime.sessions() as session:
        session.execute(delete(Job).where(Job.id == created["id"]))
        session.commit()
    response = client.post("/api/jobs", json=spec("gone"), headers=key)
    assert response.status_code == 410
    assert "has since been deleted" in response.json()["error"]["message"]
