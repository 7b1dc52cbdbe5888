"""The node install beside the full one (issue 17): size, and the exporter's and node's start-up cost.

Two fresh venvs from one wheel built from this checkout: `dispycluster` (a compute node) and
`dispycluster[server]` (the master). Per venv: distributions and bytes installed (pip and setuptools,
which every venv has, left out); then in alternating rounds: the time to import what each process
imports (`exporter.main`; `webapi.cli` + `webapi.jobs.node_command`, what `dispycluster node` runs
before it becomes dispynode), the time from spawn to a served /metrics page (exporter) or a listening
port (`dispycluster node` = dispynode), and their resident memory (VmRSS, VmHWM) once ready.
Goal: a node install of at most 8 distributions and 25 MB.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_exporter import machine, memory_kib
from tests.support.processes import free_port, running, wait_until
from tests.support.wheelhouse import installed_distributions

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 7
MAX_PACKAGES, MAX_MB = 8, 25
IMPORTS = {
    "exporter": "import exporter.main",
    "node": "import webapi.cli, webapi.jobs.node_command",
}


def make_venv(where: Path, requirement: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    subprocess.run([str(where / "bin" / "pip"), "install", "--quiet", requirement], check=True)
    return where


def import_seconds(venv: Path, statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_up(venv: Path, what: str, logs: Path) -> tuple[float, dict[str, int]]:
    """Seconds from spawn to ready, and the process's memory once ready."""
    port = free_port()
    if what == "exporter":
        argv = [str(venv / "bin" / "dispycluster-exporter"), f"--web.listen-address=127.0.0.1:{port}"]
        ready_url: str | None = f"http://127.0.0.1:{port}/metrics"
    else:
        argv = [str(venv / "bin" / "dispycluster"), "node", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--dest", str(logs / "jobs")]
        ready_url = None
    started = time.perf_counter()
    with running(argv, log_path=logs / f"{what}.log", ready_url=ready_url, timeout=60) as proc:
        if ready_url is None:
            wait_until(lambda: _listening(port), timeout=60, interval=0.01)
        elapsed = time.perf_counter() - started
        time.sleep(0.5)  # settled: what it holds while idle
        memory = memory_kib(proc.pid)
    return elapsed, memory


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        tmp_path = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
            check=True,
        )
        wheel = next(tmp_path.glob("dispycluster-*.whl"))
        venvs = {
            "node (base)": make_venv(tmp_path / "base", str(wheel)),
            "master ([server])": make_venv(tmp_path / "full", f"{wheel}[server]"),
        }
        sizes = {name: installed_distributions(venv) for name, venv in venvs.items()}
        times: dict[tuple[str, str], list[float]] = {}
        memory: dict[tuple[str, str], list[dict[str, int]]] = {}
        for index in range(ROUNDS):
            # Alternate which install goes first.
            for name in list(venvs) if index % 2 == 0 else list(reversed(venvs)):
                for what, statement in IMPORTS.items():
                    times.setdefault((name, f"import {what}"), []).append(
                        import_seconds(venvs[name], statement)
                    )
                    elapsed, held = start_up(venvs[name], what, tmp_path / f"{name[:4]}-{index}")
                    times.setdefault((name, f"start {what}"), []).append(elapsed)
                    memory.setdefault((name, what), []).append(held)
    print(f"Machine: {machine()}; {ROUNDS} alternating rounds, p50.\n")
    print("| install | distributions | installed MB |")
    print("|---|---|---|")
    for name, dists in sizes.items():
        print(f"| {name} | {len(dists)} | {sum(dists.values()) / 1e6:.1f} |")
    base = sizes["node (base)"]
    met = len(base) <= MAX_PACKAGES and sum(base.values()) / 1e6 <= MAX_MB
    verdict = "met" if met else "MISSED"
    print(f"\nnode install: {', '.join(sorted(base))}; goal ≤ {MAX_PACKAGES} and ≤ {MAX_MB} MB: {verdict}\n")
    print("| measure | node (base) | master ([server]) | ratio base / full |")
    print("|---|---|---|---|")
    for measure in ("import exporter", "start exporter", "import node", "start node"):
        base_p50 = statistics.median(times[("node (base)", measure)])
        full_p50 = statistics.median(times[("master ([server])", measure)])
        ratio = base_p50 / full_p50
        print(f"| {measure} | {base_p50 * 1000:.1f} ms | {full_p50 * 1000:.1f} ms | {ratio:.2f}x |")
    for what in IMPORTS:
        rss = {name: statistics.median(m["VmRSS"] for m in memory[(name, what)]) / 1024 for name in venvs}
        hwm = {name: statistics.median(m["VmHWM"] for m in memory[(name, what)]) / 1024 for name in venvs}
        base_name, full_name = list(venvs)
        print(
            f"| RSS {what} (peak) | {rss[base_name]:.1f} MiB ({hwm[base_name]:.1f}) "
            f"| {rss[full_name]:.1f} MiB ({hwm[full_name]:.1f}) | {rss[base_name] / rss[full_name]:.2f}x |"
        )
