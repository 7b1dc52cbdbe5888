"""The whole monitoring path on loopback, with Debian's Prometheus and Alertmanager.

The web service (with a dispy node, so jobs run), two exporters (ours and a stock node_exporter, both
with a temperature sensor), Prometheus finding the exporters through the service's http_sd endpoint and
loading the generated rules, Alertmanager posting to the service's webhook. The Prometheus and
Alertmanager configs are the ones in deploy/, with only ports and timings shortened.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from alerts.recording import RECORDING_RULES
from alerts.rules import write_rules
from alerts.signals import NODE_JOB, SERVICE_JOB
from dashboards.build import render_dashboards
from tests.dashboards.fake_sysfs import make_sysfs
from tests.support.processes import free_port, require_binary, running, stop_process, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
SECRET = "e2e-dispy-secret"
# Grafana's variables, as Grafana would fill them: the rate window covers the whole short test.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "10m", "$job": NODE_JOB, "$type": ".*"}
NODE_DOWN_FOR = 3


@dataclass
class Exporter:
    name: str
    argv: list[str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Stack:
    web: str
    prometheus: str
    alertmanager: str
    exporters: dict[str, Exporter]
    stack: contextlib.ExitStack
    jobs: list[dict[str, Any]] = field(default_factory=list)

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.prometheus}/api/v1/query", params={"query": expr}, timeout=10).json()
        if answer["status"] != "success":
            raise AssertionError(f"{expr}: {answer.get('error')}")
        return answer["data"]["result"]

    def start_exporter(self, exporter: Exporter) -> None:
        exporter.proc = self.stack.enter_context(
            running(exporter.argv, log_path=exporter.log, ready_url=f"http://{exporter.target}/metrics")
        )


def _listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def _prometheus_config(tmp_path: Path, web_port: int, am_port: int) -> Path:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
    config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{am_port}"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    sd = jobs[NODE_JOB]["http_sd_configs"][0]
    sd["url"] = sd["url"].replace("127.0.0.1:8085", f"127.0.0.1:{web_port}")
    sd["refresh_interval"] = "1s"
    # The service listens on loopback, so it asks for no token; the file only has to exist.
    token = tmp_path / "token"
    token.write_text("unused\n")
    sd["authorization"]["credentials_file"] = str(token)
    jobs[SERVICE_JOB]["static_configs"][0]["targets"] = [f"127.0.0.1:{web_port}"]
    # NodeDown waits seconds, not minutes; every other rule is as committed.
    write_rules(tmp_path / "rules", {"NodeDown": NODE_DOWN_FOR})
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _alertmanager_config(tmp_path: Path, web_port: int) -> Path:
    config = yaml.safe_load((DEPLOY / "alertmanager" / "alertmanager.yml").read_text())
    config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1h")
    hook = config["receivers"][0]["webhook_configs"][0]
    hook["url"] = hook["url"].replace("127.0.0.1:8085", f"127.0.0.1:{web_port}")
    hook["http_config"]["authorization"]["credentials_file"] = str(tmp_path / "token")
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _start_dispy_node(stack: contextlib.ExitStack, tmp_path: Path) -> int:
    """`dispycluster node`, as dispycluster-node.service runs it."""
    port = free_port()
    argv = [str(BIN / "dispycluster"), "node", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--secret", SECRET, "--dest", str(tmp_path / "dispy"), "--cpus", "1"]
    stack.enter_context(running(argv, log_path=tmp_path / "dispynode.log", cwd=tmp_path))
    wait_until(lambda: _listening(port), timeout=30)
    return port


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    prometheus_bin = require_binary("prometheus")
    alertmanager_bin = require_binary("prometheus-alertmanager", "alertmanager")
    stock_bin = require_binary("prometheus-node-exporter", "node_exporter")
    tmp = tmp_path_factory.mktemp("e2e")
    ports = {name: free_port() for name in ("web", "prometheus", "alertmanager", "n1", "n2")}
    exporters = {
        "n1": Exporter("n1", [str(BIN / "dispycluster-exporter")], ports["n1"], tmp / "n1.log"),
        "n2": Exporter("n2", [stock_bin], ports["n2"], tmp / "n2.log"),
    }
    for exporter in exporters.values():
        # Ours also plays a Raspberry Pi (its rpi collector has no node_exporter counterpart).
        sysfs = make_sysfs(tmp / f"{exporter.name}-sys", raspberry_pi=exporter.name == "n1")
        exporter.argv += [f"--web.listen-address={exporter.target}", f"--path.sysfs={sysfs}"]
    with contextlib.ExitStack() as exit_stack:
        dispy_port = _start_dispy_node(exit_stack, tmp)
        inventory = {
            "nodes": [
                {
                    "name": "n1",
                    "address": "127.0.0.1",
                    "exporter": exporters["n1"].target,
                    "dispy_port": dispy_port,
                },
                {
                    "name": "n2",
                    "address": "127.0.0.1",
                    "exporter": exporters["n2"].target,
                    "dispy_port": free_port(),
                },
            ]
        }
        (tmp / "inventory.yml").write_text(yaml.safe_dump(inventory))
        env = {
            "DISPYCLUSTER_DATA_DIR": str(tmp / "data"),
            "DISPYCLUSTER_INVENTORY": str(tmp / "inventory.yml"),
            "DISPYCLUSTER_COLLECT_INTERVAL": "1",
            "DISPYCLUSTER_COLLECT_TIMEOUT": "1",
            "DISPYCLUSTER_DISPY_SECRET": SECRET,
            "DISPYCLUSTER_DISPY_PORT": str(free_port()),
            "DISPYCLUSTER_DISPY_PULSE_INTERVAL": "0.5",
            "DISPYCLUSTER_JOB_RETRY_BACKOFF_S": "0",
        }
        web = f"http://127.0.0.1:{ports['web']}"
        exit_stack.enter_context(
            running(
                [str(BIN / "dispycluster"), "web", "--host", "127.0.0.1", "--port", str(ports["web"])],
                log_path=tmp / "web.log",
                ready_url=f"{web}/api/health",
                env=env,
                cwd=tmp,
                timeout=60,
            )
        )
        the_stack = Stack(
            web,
            f"http://127.0.0.1:{ports['prometheus']}",
            f"http://127.0.0.1:{ports['alertmanager']}",
            exporters,
            exit_stack,
        )
        for exporter in exporters.values():
            the_stack.start_exporter(exporter)
        exit_stack.enter_context(
            running(
                [
                    alertmanager_bin,
                    f"--config.file={_alertmanager_config(tmp, ports['web'])}",
                    f"--storage.path={tmp / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{ports['alertmanager']}",
                    "--cluster.listen-address=",
                ],
                log_path=tmp / "alertmanager.log",
                ready_url=f"{the_stack.alertmanager}/-/ready",
            )
        )
        exit_stack.enter_context(
            running(
                [
                    prometheus_bin,
                    f"--config.file={_prometheus_config(tmp, ports['web'], ports['alertmanager'])}",
                    f"--storage.tsdb.path={tmp / 'prom-data'}",
                    f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                    "--rules.alert.resend-delay=1s",
                ],
                log_path=tmp / "prometheus.log",
                ready_url=f"{the_stack.prometheus}/-/ready",
                timeout=60,
            )
        )
        yield the_stack


def _up_targets(stack: Stack) -> dict[str, dict[str, Any]]:
    answer = httpx.get(f"{stack.prometheus}/api/v1/targets", timeout=10).json()
    return {
        t["labels"].get("node") or t["labels"]["job"]: t
        for t in answer["data"]["activeTargets"]
        if t["health"] == "up"
    }


def _run_jobs(stack: Stack) -> None:
    """A few jobs that succeed and one that fails after a retry, so every job panel has data."""
    commands = [(["true"], 0), (["true"], 0), (["true"], 0), (["false"], 1)]
    for command, retries in commands:
        body = {
            "name": "e2e",
            "type": "processing",
            "parameters": {"command": command},
            "max_retries": retries,
        }
        response = httpx.post(f"{stack.web}/api/jobs", json=body, timeout=10)
        assert response.status_code == 201, response.text
        stack.jobs.append(response.json())

    def finished() -> bool:
        states = [
            httpx.get(f"{stack.web}/api/jobs/{j['id']}", timeout=5).json()["status"] for j in stack.jobs
        ]
        return all(s in {"succeeded", "failed"} for s in states)

    wait_until(finished, timeout=90, interval=0.5)


def _queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel, expr) for every target of every generated dashboard."""
    out = []
    for name, text in render_dashboards().items():
        for panel in json.loads(text)["panels"]:
            out += [(name, panel["title"], t["expr"]) for t in panel.get("targets", [])]
    return out


def _fill(expr: str, instance: str) -> str:
    for variable, value in sorted(
        {**GRAFANA_VARIABLES, "$instance": instance}.items(), key=lambda kv: -len(kv[0])
    ):
        expr = expr.replace(variable, value)
    return expr


def _empty(stack: Stack, exprs: list[tuple[str, str, str]], instance: str) -> list[str]:
    return [f"{d} / {p}: {e}" for d, p, e in exprs if not stack.query(_fill(e, instance))]


def _wait_for_data(stack: Stack, check: Callable[[], list[str]], timeout: float = 90) -> None:
    """Wait until `check` reports nothing missing, then fail listing what still is."""
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: not check(), timeout=timeout, interval=1)
    missing = check()
    assert not missing, "no data for:\n" + "\n".join(missing)


def test_prometheus_discovers_both_exporters_through_the_service(stack: Stack):
    wait_until(lambda: {"n1", "n2", SERVICE_JOB} <= set(_up_targets(stack)), timeout=60, interval=0.5)
    targets = _up_targets(stack)
    for name, exporter in stack.exporters.items():
        assert targets[name]["labels"]["job"] == NODE_JOB
        assert targets[name]["labels"]["instance"] == exporter.target
        assert "api/cluster/targets" in targets[name]["discoveredLabels"].get("__meta_url", "")


@pytest.fixture(scope="module")
def jobs_done(stack: Stack) -> Stack:
    """The stack after a few jobs ran: job series appear with the first finished job."""
    _run_jobs(stack)
    return stack


def test_every_recording_rule_returns_data(jobs_done: Stack):
    stack = jobs_done
    _wait_for_data(stack, lambda: [record for record in RECORDING_RULES if not stack.query(record)])


@pytest.mark.parametrize("node", ["n1", "n2"])
def test_every_dashboard_query_returns_data(jobs_done: Stack, node: str):
    stack = jobs_done
    # Node detail against our exporter (n1) and the stock node_exporter (n2).
    instance = stack.exporters[node].target
    queries = _queries()
    if node == "n2":
        # The power and throttling panels read our rpi collector, which node_exporter does not have.
        queries = [query for query in queries if "node_rpi_" not in query[2]]
    _wait_for_data(stack, lambda: _empty(stack, queries, instance))


def _alerts(stack: Stack, state: str, name: str = "NodeDown") -> list[dict[str, Any]]:
    answer = httpx.get(f"{stack.web}/api/monitoring/alerts", params={"state": state}, timeout=10).json()
    return [a for a in answer["alerts"] if a["source"] == "alertmanager" and a["name"] == name]


def test_node_down_reaches_the_service_through_alertmanager_and_resolves(stack: Stack):
    exporter = stack.exporters["n2"]
    assert exporter.proc is not None
    stop_process(exporter.proc)
    wait_until(lambda: any(a["node"] == "n2" for a in _alerts(stack, "active")), timeout=90, interval=0.5)
    (alert,) = [a for a in _alerts(stack, "active") if a["node"] == "n2"]
    assert alert["status"] == "firing"
    assert alert["severity"] == "critical"
    assert alert["labels"]["instance"] == exporter.target
    assert "n2" in alert["description"]
    assert not [a for a in _alerts(stack, "active") if a["node"] == "n1"]

    stack.start_exporter(exporter)
    wait_until(lambda: not _alerts(stack, "active"), timeout=90, interval=0.5)
    resolved = [a for a in _alerts(stack, "all") if a["fingerprint"] == alert["fingerprint"]]
    assert resolved and resolved[0]["status"] == "resolved"
    assert resolved[0]["ends_at"] is not None


def test_a_critical_alert_inhibits_the_warning_of_the_same_alert_and_instance(stack: Stack):
    def alert(severity: str) -> dict[str, Any]:
        labels = {"alertname": "E2EInhibition", "instance": "n9:9100", "job": NODE_JOB, "severity": severity}
        return {"labels": labels, "annotations": {"summary": f"{severity} test", "description": "inhibition"}}

    # Both in one group (same alertname and instance): the notification that carries the critical one
    # would carry the warning too, were it not inhibited.
    response = httpx.post(f"{stack.alertmanager}/api/v2/alerts", json=[alert("warning"), alert("critical")])
    assert response.status_code == 200, response.text
    wait_until(lambda: _alerts(stack, "active", "E2EInhibition"), timeout=30, interval=0.5)
    assert [a["severity"] for a in _alerts(stack, "active", "E2EInhibition")] == ["critical"]
    states = httpx.get(f"{stack.alertmanager}/api/v2/alerts", timeout=10).json()
    warning = next(
        a
        for a in states
        if a["labels"]["alertname"] == "E2EInhibition" and a["labels"]["severity"] == "warning"
    )
    assert warning["status"]["state"] == "suppressed"
    assert warning["status"]["inhibitedBy"]
