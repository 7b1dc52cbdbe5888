"""One collection round over 100 exporter targets on loopback (goal ≤ 1 s).

The targets are light servers in a child process, each replaying a page recorded from a real exporter
(Debian's node_exporter when installed, else ours). Baseline, same run: a bare concurrent httpx fetch of
the same 100 targets with the same connection limits (what scraping alone costs).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

TARGETS = 100
ROUNDS = 7
GOAL_SECONDS = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


def record_payload() -> str:
    """A /metrics page from a real exporter started for the occasion."""
    port = _free_port()
    binary = shutil.which("prometheus-node-exporter")
    argv = (
        [binary, f"--web.listen-address=127.0.0.1:{port}"]
        if binary
        else [sys.executable, "-m", "exporter.main", f"--web.listen-address=127.0.0.1:{port}"]
    )
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        _wait(f"http://127.0.0.1:{port}/metrics")
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        _stop(proc)


async def _serve(count: int, payload: bytes) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
        b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n"
    )

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(head + payload)
                await writer.drain()
        writer.close()

    servers = [await asyncio.start_server(answer, "127.0.0.1", 0) for _ in range(count)]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.Event().wait()


@contextlib.contextmanager
def replay_servers(count: int, payload: str) -> Iterator[list[str]]:
    """`count` loopback servers in a child process, all answering `payload`; yields their host:port."""
    with tempfile.NamedTemporaryFile("w", suffix=".prom", delete=False) as file:
        file.write(payload)
    argv = [sys.executable, "-m", "bench.bench_collect", "--serve", str(count), file.name]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert proc.stdout is not None
        ports = proc.stdout.readline().split()
        yield [f"127.0.0.1:{int(port)}" for port in ports]
    finally:
        _stop(proc)
        Path(file.name).unlink()


async def _bare_round(client: httpx.AsyncClient, targets: list[str]) -> float:
    started = time.perf_counter()
    responses = await asyncio.gather(*(client.get(f"http://{t}/metrics") for t in targets))
    assert all(r.status_code == 200 for r in responses)
    return time.perf_counter() - started


async def _measure(targets: list[str], data_dir: Path) -> tuple[list[float], list[float]]:
    from webapi.core.db import migrate
    from webapi.core.runtime import Runtime
    from webapi.core.settings import load_settings
    from webapi.inventory import store
    from webapi.inventory.schemas import NodeSpec
    from webapi.monitoring.collector import Collector

    settings = load_settings(
        data_dir=data_dir, collect_interval=3600, collect_timeout=5, evaluate_alerts=True
    )
    runtime = Runtime.from_settings(settings)
    migrate.upgrade(runtime.engine)
    with runtime.sessions() as session:
        for index, target in enumerate(targets):
            store.create_node(session, NodeSpec(name=f"n{index:03d}", address="127.0.0.1", exporter=target))
    collector = Collector(runtime)
    await collector.start()  # its loop runs one round right away (and then sleeps an hour)
    limit = settings.collect_concurrency
    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    collected, bare = [], []
    try:
        async with httpx.AsyncClient(limits=limits, trust_env=False, timeout=5) as client:
            await _bare_round(client, targets)
            for _ in range(ROUNDS):
                outcome = await collector.collect()
                assert outcome.succeeded == len(targets), outcome.errors
                collected.append(outcome.duration)
                bare.append(await _bare_round(client, targets))
    finally:
        await collector.stop()
        runtime.engine.dispose()
    return collected, bare


def main() -> None:
    payload = record_payload()
    with replay_servers(TARGETS, payload) as targets, tempfile.TemporaryDirectory() as tmp:
        collected, bare = asyncio.run(_measure(targets, Path(tmp)))
    round_p50, bare_p50 = statistics.median(collected), statistics.median(bare)
    print(
        f"payload: {len(payload)} bytes, {payload.count(chr(10))} lines; {TARGETS} targets, {ROUNDS} rounds"
    )
    print(f"collection round  p50 {round_p50 * 1000:8.1f} ms  max {max(collected) * 1000:8.1f} ms")
    print(f"bare httpx fetch  p50 {bare_p50 * 1000:8.1f} ms  max {max(bare) * 1000:8.1f} ms")
    print(
        f"ratio round/bare: {round_p50 / bare_p50:.2f}x; goal ≤ {GOAL_SECONDS:.0f} s: "
        f"{'met' if round_p50 <= GOAL_SECONDS else 'NOT met'}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(_serve(int(sys.argv[2]), Path(sys.argv[3]).read_bytes()))
    else:
        main()
