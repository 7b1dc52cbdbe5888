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
