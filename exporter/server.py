"""The HTTP side: /metrics with content negotiation, gzip and node_exporter's collect[]/exclude[] filters."""

from __future__ import annotations

import gzip
import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from exporter.exposition import Writer, negotiate
from exporter.scrape import FilterError, NodeExporter

log = logging.getLogger(__name__)
# Fast enough to stay far below the time spent collecting, and most of the size gain of level 9.
GZIP_LEVEL = 1
LANDING_PAGE = """<html><head><title>DispyCluster Exporter</title></head>
<body><h1>DispyCluster Exporter</h1><p><a href="{path}">Metrics</a></p></body></html>
"""


def parse_listen_address(address: str) -> tuple[str, int]:
    """`:9100` → every interface; `127.0.0.1:9100`; `[::1]:9100`."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: str, exporter: NodeExporter, telemetry_path: str) -> None:
        host, port = parse_listen_address(address)
        if not host:
            # An empty host listens everywhere: IPv6 dual-stack when the machine has it.
            host = "::" if socket.has_dualstack_ipv6() else "0.0.0.0"
        self.address_family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        self.exporter, self.telemetry_path = exporter, telemetry_path
        self.writer = Writer()
        super().__init__((host, port), MetricsHandler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class MetricsHandler(BaseHTTPRequestHandler):
    server: MetricsServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle on, a keep-alive client waits 40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    server_version = "dispycluster-exporter"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            self._reply(
                200, "text/html; charset=utf-8", LANDING_PAGE.format(path=self.server.telemetry_path).encode()
            )
        elif url.path != self.server.telemetry_path:
            self._reply(404, "text/plain; charset=utf-8", b"404 page not found\n")
        else:
            self._metrics(parse_qs(url.query))

    def do_HEAD(self) -> None:
        self.do_GET()

    def _metrics(self, query: dict[str, list[str]]) -> None:
        exporter = self.server.exporter
        try:
            names = exporter.select(query.get("collect[]", []), query.get("exclude[]", []))
        except FilterError as error:
            self._reply(
                400,
                "text/plain; charset=utf-8",
                f"Couldn't create filtered metrics handler: {error}\n".encode(),
            )
            return
        encoder, content_type = negotiate(self.headers.get("Accept", ""), self.server.writer)
        body = encoder(list(exporter.registry(names).collect()))
        encodings = {
            part.split(";")[0].strip() for part in self.headers.get("Accept-Encoding", "").split(",")
        }
        if "gzip" in encodings:
            self._reply(200, content_type, gzip.compress(body, GZIP_LEVEL), gzipped=True)
        else:
            self._reply(200, content_type, body)

    def _reply(self, status: int, content_type: str, body: bytes, gzipped: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)
