"""A small web site on loopback for the scraping and analysis tests: robots.txt and a graph of pages."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGES = {
    "/": (
        "Home page",
        ["/a", "/b", "/private/secret", "/missing", "http://127.0.0.2:9/elsewhere", "mailto:x@y"],
    ),
    "/a": ("Alpha page", ["/b", "/a#top", "/"]),
    "/b": ("Beta page about clusters", ["/"]),
    "/private/secret": ("Secret", []),
}
ROBOTS = "User-agent: *\nDisallow: /private\n"


@dataclass
class Site:
    base: str
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [path for path, _agent in self.requests]


@contextlib.contextmanager
def serving() -> Iterator[Site]:
    site = Site(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append((self.path, self.headers.get("User-Agent", "")))
            if self.path == "/robots.txt":
                self._send(200, "text/plain", ROBOTS)
            elif self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/")
                self.end_headers()
            elif self.path in PAGES:
                title, links = PAGES[self.path]
                anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
                self._send(
                    200,
                    "text/html",
                    f"<html><head><title>{title}</title></head><body>{anchors}</body></html>",
                )
            else:
                self._send(404, "text/html", "<html><head><title>Not found</title></head></html>")

        def _send(self, status: int, content_type: str, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
