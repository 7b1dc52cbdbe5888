"""The HTTP stack's cost: `GET /api/health` against a bare FastAPI route (goal ≥ 0.8 of its requests/s).

Both servers run side by side under the same uvicorn settings (one process, `uvicorn.run` defaults as
`dispycluster web` uses them), once with the access log on (the default) and once with it off
(`DISPYCLUSTER_ACCESS_LOG=false`). The bare app is FastAPI with one `async` route returning the same JSON
and nothing else. Rounds alternate between the four servers so all see the same machine load. The load
client is one keep-alive connection sending a prebuilt request over a raw socket, so its own cost (which
both sides pay) stays small next to the server's. Besides requests per second, each round counts the
server process's CPU time (/proc): requests per CPU-second say what the stack costs even when other work
on the machine slows both servers down.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi import FastAPI

from bench.bench_collect import _free_port, _stop, _wait

ROUNDS = 9
REQUESTS = 3000
GOAL = 0.8
REQUEST = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n"


def bare_app() -> FastAPI:
    """The baseline: FastAPI and one route, no middleware (uvicorn factory)."""
    app = FastAPI()

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": "bare"}

    return app


def _read_response(sock: socket.socket, buffer: bytearray) -> None:
    """Reads one complete response (headers and a Content-Length body) from `sock` into `buffer`."""
    while (end := buffer.find(b"\r\n\r\n")) == -1:
        buffer += sock.recv(65536)
    head = bytes(buffer[:end]).lower()
    if not head.startswith(b"http/1.1 200"):
        raise RuntimeError(f"unexpected answer: {head[:80]!r}")
    length = int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    total = end + 4 + length
    while len(buffer) < total:
        buffer += sock.recv(65536)
    del buffer[:total]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(port: int, pid: int, count: int = REQUESTS) -> tuple[float, float]:
    """Requests per wall-clock second, and per CPU second of the server process."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = bytearray()
        for _ in range(50):  # warm the connection and the route
            sock.sendall(REQUEST)
            _read_response(sock, buffer)
        cpu, started = _cpu_seconds(pid), time.perf_counter()
        for _ in range(count):
            sock.sendall(REQUEST)
            _read_response(sock, buffer)
        wall, cpu = time.perf_counter() - started, _cpu_seconds(pid) - cpu
    return count / wall, count / cpu


Server = tuple[list[str], dict[str, str]]  # argv (the port is appended), extra environment


def _servers(tmp: Path, access_log: bool) -> dict[str, Server]:
    flag = "true" if access_log else "false"
    service_env = {
        "DISPYCLUSTER_DATA_DIR": str(tmp / f"data-{flag}"),
        "DISPYCLUSTER_ACCESS_LOG": flag,
        "HOST": "127.0.0.1",
    }
    bare = (
        "import sys, uvicorn; uvicorn.run('bench.bench_http:bare_app', factory=True, host='127.0.0.1', "
        f"port=int(sys.argv[1]), access_log={access_log})"
    )
    return {
        f"service, access log {'on' if access_log else 'off'}": (
            [sys.executable, "-m", "webapi.cli", "web", "--port"],
            service_env,
        ),
        f"bare FastAPI, access log {'on' if access_log else 'off'}": ([sys.executable, "-c", bare], {}),
    }


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        procs: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
        specs = {**_servers(Path(tmp), access_log=True), **_servers(Path(tmp), access_log=False)}
        for index, (name, (argv, extra_env)) in enumerate(specs.items()):
            port = _free_port()
            log = stack.enter_context(open(Path(tmp) / f"server{index}.log", "wb"))
            env = {**os.environ, **extra_env, "PYTHONPATH": str(root)}
            proc = subprocess.Popen(
                [*argv, str(port)], env=env, cwd=tmp, stdout=log, stderr=log, start_new_session=True
            )
            stack.callback(_stop, proc)
            procs[name] = (proc, port)
        for _, port in procs.values():
            _wait(f"http://127.0.0.1:{port}/api/health")
        rates: dict[str, list[float]] = {name: [] for name in procs}
        per_cpu: dict[str, list[float]] = {name: [] for name in procs}
        for _ in range(ROUNDS):
            for name, (proc, port) in procs.items():
                rate, cpu_rate = measure(port, proc.pid)
                rates[name].append(rate)
                per_cpu[name].append(cpu_rate)
    print(f"{ROUNDS} alternating rounds of {REQUESTS} keep-alive requests per server, GET /api/health")
    for name, values in rates.items():
        print(
            f"{name:34s} median {statistics.median(values):7.0f} req/s  "
            f"(min {min(values):.0f}, max {max(values):.0f}); "
            f"{statistics.median(per_cpu[name]):7.0f} req per CPU-second of the server"
        )
    for state in ("on", "off"):
        service, bare = f"service, access log {state}", f"bare FastAPI, access log {state}"
        # Each round's service figure over the bare one measured right after it: load changes between rounds.
        ratio = statistics.median(s / b for s, b in zip(rates[service], rates[bare], strict=True))
        # Per CPU-second of the server: what the stack costs, less sensitive to other work on the machine.
        cpu_ratio = statistics.median(s / b for s, b in zip(per_cpu[service], per_cpu[bare], strict=True))
        verdict = "met" if ratio >= GOAL else "NOT met"
        print(
            f"service / bare, access log {state}: {ratio:.2f}x req/s (goal ≥ {GOAL}x: {verdict}), "
            f"{cpu_ratio:.2f}x per server CPU-second"
        )


if __name__ == "__main__":
    main()
