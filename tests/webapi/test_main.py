import sys

import httpx
from sqlalchemy import inspect

from tests.support.database import database_url
from tests.support.processes import free_port, running
from webapi.core.db.engine import make_engine


def test_python_m_webapi_serves_the_app(tmp_path):
    port = free_port()
    env = {"PORT": str(port), "DISPYCLUSTER_DATA_DIR": str(tmp_path / "data"), "DEBUG": "false"}
    url = f"http://127.0.0.1:{port}"
    with running(
        [sys.executable, "-m", "webapi"],
        log_path=tmp_path / "dev.log",
        ready_url=f"{url}/api/health",
        env=env,
        cwd=tmp_path,
    ):
        assert httpx.get(f"{url}/api/cluster/nodes").json() == []
    # The database was created and migrated at start-up (the SQLite file, or the test's PostgreSQL one).
    engine = make_engine(database_url(tmp_path / "data" / "dispycluster.db"))
    try:
        assert "nodes" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
