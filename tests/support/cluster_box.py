"""A cluster in a box: three machines and the web service, each in a network namespace of its own on a
private bridge (`tests.support.netns`), talking over their bridge addresses. Root only.

Each machine runs `dispycluster-exporter` on its address, reading a copy of one of the exporter's fixture
trees (a Pi 4, a Pi 5, an x86 server: a test changes what the machine reports by writing its copy), and a
dispynode started the way operators start one, `dispycluster node` with the secret in the environment
(written to a 0600 configuration file, never on the command line). The machines have a route to the
service's address and nowhere else. The service (`dispycluster web`) binds its HTTP port and its dispy
client to its own bridge address and finds the machines through an inventory file listing them by address,
so the paths dispy takes off loopback (a node answering a ping, calling back with results) are the real
ones.

`cluster_box()` starts the machines once; `ClusterBox.service(**settings)` starts a service with a fresh
database for one test, and `ClusterBox.reset()` puts every machine back as it started (cable in, original
exporter data, processes running). Everything is stopped by PID and every namespace removed on the way
out, even when a test fails or is interrupted; the box then checks that nothing of it is left.

What a test uses (the `cluster` fixture of tests/cluster is a reset ClusterBox):
- `cluster.machines["m1"]`: `.name`, `.address`, `.exporter_address`, `.labels`, `.pids`;
  `.set_temperature(c)`, `.set_firmware_flags(0x50005)`, `.write("sys/…", text)` change what its exporter
  reports from the next scrape; `.scrape(via=host)`; `.stop_exporter()`, `.stop_dispynode()`, `.start()`.
- `cluster.cut(name)` / `cluster.restore(name)`: its cable at the switch. dispy declares a node dead only
  when it misses pulses while running a job of the service; the monitoring notices at its next scrape.
- `with cluster.service(job_retry_backoff_s=2, …) as service:` (settings by field name, on top of
  SERVICE_SETTINGS): `service.submit(spec)`, `service.run_command(argv, **fields)`,
  `service.wait_for_job(id, "succeeded", …)`, `service.node_of(id)`, `service.logs(id)`,
  `service.wait_for_log(id, start)`, `service.node(name)`, `service.wait_for_node(name, predicate)`,
  `service.request(method, path, …)` / `service.get(path)` for anything else (token sent).
"""

from __future__ import annotations

import contextlib
import glob
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from exporter.collectors.rpi import GET_THROTTLED
from tests.support.netns import Box, Host, cluster_in_a_box, entered, namespaces
from tests.support.processes import wait_until
from webapi.core.dispy_ports import DEFAULT_NODE_PORT
from webapi.core.settings import env_name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exporter"
SECRET = "box-dispy-secret-%-not-on-any-command-line"
TOKEN = "box-token-0123456789abcdef"
SERVICE_PORT = 8085
EXPORTER_PORT = 9100
# name → (fixture tree, inventory labels)
MACHINES = {
    "m1": ("rpi4", {"arch": "arm64", "model": "pi4"}),
    "m2": ("rpi5", {"arch": "arm64", "model": "pi5"}),
    "m3": ("x86-server", {"arch": "amd64", "model": "server"}),
}
# What every service in the box runs with (a test adds or overrides settings by field name): a node that
# misses 5 pulses of 0.5 s is lost, retries start at once, the exporters are scraped every second.
SERVICE_SETTINGS: dict[str, object] = {
    "dispy_pulse_interval": 0.5,
    "job_retry_backoff_s": 0,
    "collect_interval": 1,
    "collect_timeout": 1,
}


def _env_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class _Process:
    """A process started in a host for as long as the box wants it, stopped by PID (`Host.running`)."""

    def __init__(self, host: Host, argv: list[str], log_path: Path, **kwargs: Any) -> None:
        self._context = host.running(argv, log_path=log_path, **kwargs)
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] = self._context.__enter__()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        self._context.__exit__(None, None, None)


@dataclass
class Machine:
    """One machine of the box: its host (namespace, address), the exporter data it serves, its processes."""

    name: str
    host: Host
    labels: dict[str, str]
    fixture: str
    root: Path
    exporter: _Process | None = None
    dispynode: _Process | None = None
    _touched: set[Path] = field(default_factory=set)

    @property
    def address(self) -> str:
        return self.host.address

    @property
    def exporter_address(self) -> str:
        return f"{self.address}:{EXPORTER_PORT}"

    @property
    def pids(self) -> dict[str, int]:
        processes = {"exporter": self.exporter, "dispynode": self.dispynode}
        return {name: proc.pid for name, proc in processes.items() if proc is not None and proc.alive}

    # -- what the machine's exporter reports --------------------------------------------------------------
    def scrape(self, via: Host) -> str:
        """The exporter's /metrics as `via` (a host of the box, e.g. the service's) reads it."""
        with entered(via.namespace):
            answer = httpx.get(f"http://{self.exporter_address}/metrics", timeout=5, trust_env=False)
        answer.raise_for_status()
        return answer.text

    def write(self, relative: str, text: str) -> None:
        """Replaces a file of the machine's exporter tree (`sys/...`, `proc/...`, `rootfs/...`); the next
        scrape reads it. `ClusterBox.reset` puts the fixture's version back."""
        path = self.root / relative
        self._touched.add(path)
        path.write_text(text)

    def _tree_files(self, *patterns: str) -> list[str]:
        found = [path for pattern in patterns for path in sorted(glob.glob(str(self.root / pattern)))]
        if not found:
            raise FileNotFoundError(f"the {self.fixture} tree of {self.name} has no {' or '.join(patterns)}")
        return [str(Path(path).relative_to(self.root)) for path in found]

    def set_temperature(self, celsius: float) -> None:
        """Every temperature sensor of the machine (thermal zones, hwmon chips) reads `celsius` from the
        next scrape on."""
        sensors = ("sys/class/thermal/thermal_zone*/temp", "sys/class/hwmon/hwmon*/temp*_input")
        for relative in self._tree_files(*sensors):
            self.write(relative, f"{round(celsius * 1000)}\n")

    def set_firmware_flags(self, value: int) -> None:
        """The Pi firmware's `get_throttled` bits (0x1 under-voltage now, 0x4 throttled now, 0x50000 since
        boot...); a machine without that file (the x86 server) raises."""
        for relative in self._tree_files(*(f"sys/{pattern}" for pattern in GET_THROTTLED)):
            self.write(relative, f"{value:x}\n")

    def _restore_tree(self) -> None:
        for path in self._touched:
            shutil.copyfile(FIXTURES / self.fixture / path.relative_to(self.root), path)
        self._touched.clear()

    # -- its processes ---------------------------------------------------------------------------------
    def start_exporter(self) -> None:
        """Starts the exporter on the machine's tree (see `wait_started`)."""
        argv = [
            str(Path(sys.executable).with_name("dispycluster-exporter")),
            f"--web.listen-address={self.exporter_address}",
            f"--path.procfs={self.root / 'proc'}",
            f"--path.sysfs={self.root / 'sys'}",
            f"--path.rootfs={self.root / 'rootfs'}",
        ]
        self.exporter = _Process(self.host, argv, self.root.parent / "exporter.log")

    def stop_exporter(self) -> None:
        """The exporter down (its address stays: scrapes are refused)."""
        if self.exporter is not None:
            self.exporter.stop()
            self.exporter = None

    def start_dispynode(self) -> None:
        """`dispycluster node` as an operator runs it, the secret from the environment; one CPU each, so
        that which node runs a job is dispy's choice among the three, not one node taking them all."""
        work = self.root.parent
        argv = [sys.executable, "-m", "webapi.cli", "node", "--host", self.address, "--cpus", "1"]
        argv += ["--name", self.name, "--dest", str(work / "dispynode")]
        env = {"DISPYCLUSTER_DISPY_SECRET": SECRET, "TMPDIR": str(work)}
        self.dispynode = _Process(self.host, argv, work / "dispynode.log", env=env)

    def stop_dispynode(self) -> None:
        if self.dispynode is not None:
            self.dispynode.stop()
            self.dispynode = None

    def start(self) -> None:
        """Starts whichever of the exporter and the dispynode is not running."""
        if self.exporter is None or not self.exporter.alive:
            self.stop_exporter()
            self.start_exporter()
        if self.dispynode is None or not self.dispynode.alive:
            self.stop_dispynode()
            self.start_dispynode()

    def wait_started(self, timeout: float = 30.0) -> None:
        """Until the exporter and the dispynode listen. The dispynode must before a service pings it:
        dispy pings a listed node once, and the service pings the silent ones again only every 5 s."""
        ports = {
            proc: f"{self.address}:{port} "
            for proc, port in ((self.exporter, EXPORTER_PORT), (self.dispynode, DEFAULT_NODE_PORT))
        }

        def listening() -> bool:
            sockets = self.host.run(["ss", "-Htln"]).stdout
            return all(port in sockets for port in ports.values())

        try:
            wait_until(listening, timeout=timeout, interval=0.1)
        except TimeoutError:
            logs = [proc.log_path.read_text(errors="replace")[-2000:] for proc in ports if proc is not None]
            raise RuntimeError(
                f"{self.name} not listening on {list(ports.values())}:\n" + "\n".join(logs)
            ) from None


@dataclass
class Service:
    """The web service running in the box's `service` namespace; requests go there over the bridge."""

    host: Host
    process: _Process
    machines: dict[str, Machine]
    client: httpx.Client

    @property
    def url(self) -> str:
        return f"http://{self.host.address}:{SERVICE_PORT}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.process.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """`method path` from inside the service's namespace, with the token."""
        with entered(self.host.namespace):
            return self.client.request(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        """The JSON of a GET that must succeed."""
        answer = self.request("GET", path, **kwargs)
        answer.raise_for_status()
        return answer.json()

    # -- jobs --------------------------------------------------------------------------------------
    def submit(self, spec: dict[str, Any]) -> dict[str, Any]:
        """POST /api/jobs with `spec` (name, type, parameters, and any other field); the job created."""
        answer = self.request("POST", "/api/jobs", json=spec)
        if answer.status_code != 201:
            raise AssertionError(f"POST /api/jobs answered {answer.status_code}: {answer.text}")
        return dict(answer.json())

    def run_command(self, command: list[str], **fields: Any) -> dict[str, Any]:
        """Submits a `processing` job running `command` on a node; `fields` adds job fields."""
        spec = {"name": " ".join(command)[:200], "type": "processing", "parameters": {"command": command}}
        return self.submit(spec | fields)

    def job(self, job_id: int) -> dict[str, Any]:
        return dict(self.get(f"/api/jobs/{job_id}"))

    def logs(self, job_id: int) -> list[dict[str, Any]]:
        return list(self.get(f"/api/jobs/{job_id}/logs", params={"limit": 1000})["items"])

    def wait_for_job(self, job_id: int, *states: str, timeout: float = 60.0) -> dict[str, Any]:
        """The job once its status is one of `states`; on timeout, an error showing the job and its logs."""
        return dict(
            _wait_for(
                lambda: self.job(job_id),
                lambda job: job["status"] in states,
                timeout,
                lambda job: f"job {job_id} not {'/'.join(states)}: {job}\nlogs: {self.logs(job_id)}",
            )
        )

    def wait_for_log(self, job_id: int, start: str, timeout: float = 30.0) -> dict[str, Any]:
        """The first line of the job's log that starts with `start`, once there is one."""
        lines = _wait_for(
            lambda: [line for line in self.logs(job_id) if line["text"].startswith(start)],
            bool,
            timeout,
            lambda _lines: f"no log line of job {job_id} starts with {start!r}: {self.logs(job_id)}",
        )
        return dict(lines[0])

    def node_of(self, job_id: int) -> str | None:
        """The machine that ran (or runs) the job's current attempt."""
        return self.job(job_id)["node"]

    # -- nodes -------------------------------------------------------------------------------------
    def node(self, name: str) -> dict[str, Any]:
        return dict(self.get(f"/api/cluster/nodes/{name}"))

    def wait_for_node(
        self, name: str, predicate: Callable[[dict[str, Any]], Any], timeout: float = 30.0
    ) -> dict[str, Any]:
        """The node summary once `predicate(summary)` holds."""
        return dict(
            _wait_for(
                lambda: self.node(name), predicate, timeout, lambda node: f"node {name} not there yet: {node}"
            )
        )

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Every machine scraped (online) and its dispynode up for this service."""
        for name in self.machines:
            self.wait_for_node(
                name,
                lambda node: node["status"] == "online" and (node["dispy"] or {}).get("state") == "up",
                timeout,
            )


@dataclass
class ClusterBox:
    box: Box
    service_host: Host
    machines: dict[str, Machine]
    work: Path
    # The current test's data dir and database (`reset`): every service of a test uses them.
    data_dir: Path | None = None
    database_url: str | None = None
    _tests: int = 0
    _services: int = 0
    # Machines whose cable was pulled since the last reset.
    _cut: set[str] = field(default_factory=set)

    @property
    def prefix(self) -> str:
        return self.box.prefix

    def cut(self, name: str) -> None:
        """Pulls the machine's cable at the switch: it keeps its address and processes, reaches nobody."""
        self._cut.add(name)
        self.box.set_link(name, up=False)

    def restore(self, name: str) -> None:
        """Plugs the cable back in."""
        self.box.set_link(name, up=True)

    def inventory(self) -> Path:
        """The inventory file naming the machines by their bridge addresses, with their labels."""
        path = self.work / "inventory.yaml"
        nodes = [
            {"name": m.name, "address": m.address, "exporter": m.exporter_address, "labels": m.labels}
            for m in self.machines.values()
        ]
        path.write_text(yaml.safe_dump({"nodes": nodes}))
        return path

    @contextlib.contextmanager
    def service(self, wait_ready: bool = True, **settings: object) -> Iterator[Service]:
        """`dispycluster web` in its namespace with the box's settings (SERVICE_SETTINGS) and `settings`
        (by field name, e.g. `job_retry_backoff_s=2`); ready (every machine online and up) unless
        `wait_ready` is False. Stopped by PID after the block. The services of one test share its data dir
        and database (see `reset`): a second one is a restart."""
        if self.data_dir is None:
            self.reset()
        assert self.data_dir is not None
        self._services += 1
        data_dir = self.data_dir
        address = self.service_host.address
        env = {
            "HOST": address,
            "PORT": str(SERVICE_PORT),
            "DISPYCLUSTER_DATA_DIR": str(data_dir),
            "DISPYCLUSTER_DATABASE_URL": self.database_url or f"sqlite:///{data_dir}/dispycluster.db",
            "DISPYCLUSTER_API_TOKEN": TOKEN,
            "DISPYCLUSTER_DISPY_SECRET": SECRET,
            # The dispy client on the bridge address: nodes call back there (not loopback, not 0.0.0.0).
            "DISPYCLUSTER_DISPY_HOST": address,
            "DISPYCLUSTER_INVENTORY": str(self.inventory()),
        }
        env |= {env_name(name): _env_value(value) for name, value in (SERVICE_SETTINGS | settings).items()}
        process = _Process(
            self.service_host,
            [sys.executable, "-m", "webapi.cli", "web"],
            data_dir / f"web-{self._services}.log",
            ready_url=f"http://{address}:{SERVICE_PORT}/api/health",
            env=env,
            cwd=self.work,
        )
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            with httpx.Client(
                base_url=f"http://{address}:{SERVICE_PORT}", headers=headers, timeout=10, trust_env=False
            ) as client:
                service = Service(self.service_host, process, self.machines, client)
                if wait_ready:
                    service.wait_until_ready()
                yield service
        finally:
            # Cables back first: the service lets go of every node as it stops (a node it cannot reach
            # costs it dispy's timeouts, beyond the grace before SIGKILL).
            for name in self._cut:
                self.restore(name)
            process.stop()

    def reset(self, database_url: str | None = None) -> None:
        """A new test: a fresh data dir, with `database_url` (whose database must be empty) or else a
        SQLite file there; every machine as it started: cable in, the fixture's exporter data, exporter
        and dispynode running. A machine whose cable was pulled gets a fresh dispynode: the old one may
        still hold results and the computation of the service that lost it, and serves one client at a
        time."""
        self._tests += 1
        self.data_dir, self.database_url = self.work / f"test-{self._tests}", database_url
        for machine in self.machines.values():
            if machine.name in self._cut:
                self.restore(machine.name)
                machine.stop_dispynode()
            machine._restore_tree()
            machine.start()
        for machine in self.machines.values():
            machine.wait_started()
        self._cut.clear()

    def pids(self) -> list[int]:
        return [pid for machine in self.machines.values() for pid in machine.pids.values()]


def _wait_for(
    read: Callable[[], Any], holds: Callable[[Any], Any], timeout: float, failure: Callable[[Any], str]
) -> Any:
    """`read()` again and again until `holds` its value, which it returns; on timeout an AssertionError
    with `failure(last value read)`."""
    last: list[Any] = [None]

    def check() -> bool:
        last[0] = read()
        return bool(holds(last[0]))

    try:
        wait_until(check, timeout=timeout, interval=0.1)
    except TimeoutError:
        raise AssertionError(f"after {timeout} s: {failure(last[0])}") from None
    return last[0]


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1].startswith("Z")  # a zombie has stopped
    except FileNotFoundError:
        return True


def _interrupt_on_sigterm(_signum: int, _frame: object) -> None:
    # A CI runner's timeout sends SIGTERM: unwinding like Ctrl-C runs the box's cleanup.
    raise KeyboardInterrupt


@contextlib.contextmanager
def cluster_box(work: Path) -> Iterator[ClusterBox]:
    """The service's namespace and three machines with their exporters and dispynodes; work files under
    `work`. On the way out: every process stopped by PID, every namespace removed, and both checked."""
    previous = signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    started: list[int] = []
    prefix = ""
    try:
        with cluster_in_a_box() as box:
            prefix = box.prefix
            service_host = box.add_host("service")
            machines: dict[str, Machine] = {}
            try:
                for name, (fixture, labels) in MACHINES.items():
                    root = work / name / fixture
                    shutil.copytree(FIXTURES / fixture, root, symlinks=True)
                    machines[name] = Machine(
                        name, box.add_host(name, reach=["service"]), labels, fixture, root
                    )
                for machine in machines.values():
                    machine.start()
                for machine in machines.values():
                    machine.wait_started()
                cluster = ClusterBox(box, service_host, machines, work)
                started += cluster.pids()
                yield cluster
            finally:
                for machine in machines.values():
                    started += machine.pids.values()
                    machine.stop_dispynode()
                    machine.stop_exporter()
    finally:
        signal.signal(signal.SIGTERM, previous)
    left = [name for name in namespaces() if name.startswith(f"{prefix}-")]
    assert not left, f"namespaces of the box left behind: {left}"
    alive = [pid for pid in started if not _gone(pid)]
    assert not alive, f"processes of the box left running: {alive}"
