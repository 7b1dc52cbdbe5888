import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.support.processes import free_port
from tests.support.webservice import debian_exporter
from webapi.monitoring.collection.scrape import Target, scrape_all


class Misbehaving(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.server.server_port == Misbehaving.slow_port:
            time.sleep(2)
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"boom")

    def log_message(self, *_args) -> None:
        return


def serve() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_every_kind_of_failure_comes_back_as_a_reason(tmp_path):
    broken, slow = serve(), serve()
    Misbehaving.slow_port = slow.server_port
    exporter = debian_exporter(tmp_path)
    targets = [
        Target("good", exporter.address),
        Target("broken", f"127.0.0.1:{broken.server_port}"),
        Target("slow", f"127.0.0.1:{slow.server_port}"),
        Target("closed", f"127.0.0.1:{free_port()}"),
    ]

    async def scrape() -> dict:
        async with httpx.AsyncClient(trust_env=False) as client:
            return {r.node: r for r in await scrape_all(client, targets, timeout=0.5, concurrency=2)}

    try:
        with exporter.run():
            results = asyncio.run(scrape())
    finally:
        broken.shutdown()
        slow.shutdown()
    assert results["good"].error is None and "node_cpu_seconds_total" in results["good"].text
    assert results["broken"].error == "HTTP 500 from the exporter"
    assert results["slow"].error == "timed out after 0.5 s"
    assert results["closed"].error.startswith("connection failed")
    assert all(results[n].text is None for n in ("broken", "slow", "closed"))
