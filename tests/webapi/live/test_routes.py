"""`/ws`: the bus reaches the browser as typed messages, and the socket follows the API's auth rules."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.support.app import in_process_client
from tests.support.processes import free_port, wait_until
from webapi.app import create_app
from webapi.core.settings import load_settings

TOKEN = "ui-test-token-123456"


def _app(tmp_path, **settings):
    return create_app(load_settings(data_dir=tmp_path, dispy_port=free_port(), **settings))


def test_bus_events_arrive_as_typed_messages(tmp_path):
    client = in_process_client(load_settings(data_dir=tmp_path, dispy_port=free_port()))
    events = client.app.state.runtime.events
    with client, client.websocket_connect("/ws") as socket:
        wait_until(lambda: events.has_subscribers)
        events.publish_threadsafe("internal", {"ignored": True})
        events.publish_threadsafe("job", {"id": 7, "status": "running"})
        assert socket.receive_json() == {"type": "job", "data": {"id": 7, "status": "running"}}


def test_a_socket_following_a_job_gets_that_jobs_output_only(tmp_path):
    client = in_process_client(load_settings(data_dir=tmp_path, dispy_port=free_port()))
    events = client.app.state.runtime.events
    with client, client.websocket_connect("/ws?job=7") as socket:
        wait_until(lambda: events.has_subscribers)
        events.publish_threadsafe("job_log", {"job_id": 8, "lines": [{"id": 1, "text": "other"}]})
        events.publish_threadsafe("job_log", {"job_id": 7, "lines": [{"id": 2, "text": "mine"}]})
        assert socket.receive_json() == {
            "type": "job_log",
            "data": {"job_id": 7, "lines": [{"id": 2, "text": "mine"}], "truncated": False},
        }


@pytest.mark.parametrize("value", ["abc", "0", "-1", "99999999999", "\uff11"])
def test_following_something_that_is_not_a_job_id_is_refused(tmp_path, value):
    with in_process_client(load_settings(data_dir=tmp_path, dispy_port=free_port())) as client:
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(f"/ws?job={value}"):
            pass
        assert refused.value.code == 1008
        assert "job must be a job id" in refused.value.reason


def test_socket_is_refused_without_the_token(tmp_path):
    with TestClient(_app(tmp_path, api_token=TOKEN)) as client:
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
            pass
        assert refused.value.code == 1008


def test_socket_accepts_the_login_cookie(tmp_path):
    app = _app(tmp_path, api_token=TOKEN)
    events = app.state.runtime.events
    with TestClient(app) as client:
        assert client.get(f"/?token={TOKEN}").status_code == 200
        with client.websocket_connect("/ws") as socket:
            wait_until(lambda: events.has_subscribers)
            events.publish_threadsafe("overview", {"status": "healthy"})
            assert socket.receive_json() == {"type": "overview", "data": {"status": "healthy"}}
