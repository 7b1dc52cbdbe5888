"""The HTTP side: /metrics with content negotiation, gzip and node_exporter's collect[]/exclude[] filters."""

from __future__ import annotations

import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from exporter.exposition import Writer, negotiate
from exporter.scrape import FilterError, NodeExporter

if TYPE_CHECKING:
    from exporter.webconfig import WebConfigFile

log = logging.getLogger(__name__)
# Fast enough to stay far below the time spent collecting, and most of the size gain of level 9.
GZIP_LEVEL = 1
# A client that opens a connection and says nothing must not hold a thread for long.
HANDSHAKE_TIMEOUT = 10.0
LANDING_PAGE = """<html><head><title>DispyCluster Exporter</title></head>
<body><h1>DispyCluster Exporter</h1><p><a href="{path}">Metrics</a></p></body></html>
"""


def parse_listen_address(address: str) -> tuple[str, int]:
    """`:9100` → every interface; `127.0.0.1:9100`; `[::1]:9100`."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: str, exporter: NodeExporter, telemetry_path: str, web: WebConfigFile | None = None
    ) -> None:
        host, port = parse_listen_address(address)
        if not host:
            # An empty host listens everywhere: IPv6 dual-stack when the machine has it.
            host = "::" if socket.has_dualstack_ipv6() else "0.0.0.0"
        self.address_family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        self.exporter, self.telemetry_path, self.web = exporter, telemetry_path, web
        self.writer = Writer()
        super().__init__((host, port), MetricsHandler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        """TLS handshake (in the connection's own thread) with the certificate as it is on disk now."""
        web = self.web
        if web is None or not web.tls:
            super().finish_request(request, client_address)
            return
        web.refresh()
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = web.context.wrap_socket(request, server_side=True)  # type: ignore[union-attr]
        except OSError as error:  # ssl.SSLError included
            log.debug("TLS handshake with %s failed: %s", client_address[0], error)
            return
        try:
            if not web.accepts_peer(tls.getpeercert()):
                log.warning("client certificate of %s has none of client_allowed_sans", client_address[0])
                return
            tls.settimeout(None)
            super().finish_request(tls, client_address)
        finally:
            tls.close()


class MetricsHandler(BaseHTTPRequestHandler):
    server: MetricsServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write (the response is flushed after each request), a scrape's body
    # being smaller than the buffer: one system call and one segment on the wire instead of two, which also
    # spares the scraper a wake-up. A larger body goes out in more writes: with Nagle on, a keep-alive
    # client would wait 40 ms for a delayed ACK.
    wbufsize = 65536
    disable_nagle_algorithm = True
    server_version = "dispycluster-exporter"

    def do_GET(self) -> None:
        if not self._authorized():
            return
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
            self._reply(200, content_type, body.gzip(GZIP_LEVEL), gzipped=True)
        else:
            self._reply(200, content_type, bytes(body))

    def _authorized(self) -> bool:
        """The web config's basic auth; 503 while a changed web config file is invalid."""
        web = self.server.web
        if web is None:
            return True
        web.refresh()
        if web.error is not None:
            body = b"The web config file is invalid; see the exporter's log.\n"
            self._reply(503, "text/plain; charset=utf-8", body)
            return False
        users = web.config.users
        if users and not web.credentials.allowed(self.headers.get("Authorization"), users):
            self._reply(401, "text/plain; charset=utf-8", b"Unauthorized\n", challenge=True)
            return False
        return True

    def _reply(
        self, status: int, content_type: str, body: bytes, gzipped: bool = False, challenge: bool = False
    ) -> None:
        self.send_response(status)
        if challenge:
            self.send_header("WWW-Authenticate", "Basic")
        if self.server.web is not None:
            for name, value in self.server.web.config.headers.items():
                self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)
