import signal
import subprocess
import sys

import httpx

from tests.support.processes import free_port, stop_process, wait_for_http, wait_until


def refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.ConnectError:
        return True
    return False


def test_up_runs_the_service_with_a_registered_local_exporter_and_stops_cleanly(tmp_path):
    port = free_port()
    log = tmp_path / "up.log"
    argv = [
        sys.executable,
        "-m",
        "webapi.cli",
        "up",
        "--port",
        str(port),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/api/health", timeout=30)

        def local_online() -> bool:
            nodes = httpx.get(f"{base}/api/cluster/nodes", timeout=5).json()
            return any(n["name"] == "local" and n["status"] == "online" for n in nodes)

        httpx.post(f"{base}/api/monitoring/collect_metrics", timeout=10)
        wait_until(local_online, timeout=30)
        (local,) = [n for n in httpx.get(f"{base}/api/cluster/nodes").json() if n["name"] == "local"]
        exporter_url = f"http://{local['exporter']}/metrics"
        assert httpx.get(exporter_url).status_code == 200
        wait_until(lambda: "Ctrl-C stops everything" in log.read_text())
        output = log.read_text()
        assert f"web ready at {base}/api/health" in output and exporter_url in output

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert refused(f"{base}/api/health") and refused(exporter_url)
    finally:
        stop_process(proc)
