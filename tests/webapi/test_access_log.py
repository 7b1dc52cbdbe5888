import pytest

from tests.support.webservice import run_service


@pytest.mark.parametrize(("setting", "logged"), [(None, True), ("false", False)])
def test_access_log_follows_the_setting(tmp_path, setting, logged):
    env = {} if setting is None else {"access_log": setting}
    with run_service(tmp_path, **env) as service, service.client() as client:
        assert client.get("/api/cluster/nodes").status_code == 200
    assert ('"GET /api/cluster/nodes HTTP/1.1" 200' in service.log.read_text()) is logged
