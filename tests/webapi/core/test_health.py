from tests.support.app import in_process_client
from webapi import __version__
from webapi.core.settings import load_settings


def test_liveness_answers_with_version(tmp_path):
    with in_process_client(load_settings(data_dir=tmp_path)) as client:
        response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_unknown_route_uses_the_error_shape(tmp_path):
    with in_process_client(load_settings(data_dir=tmp_path)) as client:
        response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "message": "Not Found", "fields": []}}
