"""Misbehaving exporters on loopback: one that accepts and never answers, one that answers garbage."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GARBAGE = b'\x00\xff{{ this is not # the exposition format\nnode_cpu_seconds_total{cpu="0" 12 x\n\xfe'


@contextlib.contextmanager
def hanging_exporter() -> Iterator[str]:
    """Accepts connections and holds them open without a byte of answer."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


@contextlib.contextmanager
def garbage_exporter() -> Iterator[str]:
    """Answers 200 with bytes that are not the exposition format."""
    with answering_exporter(GARBAGE) as address:
        yield address


@contextlib.contextmanager
def answering_exporter(body: bytes, *, announce_length: bool = True) -> Iterator[str]:
    """Answers every GET with 200 and `body` (without `Content-Length` unless `announce_length`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            if announce_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may hang up once it has read enough
                self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
