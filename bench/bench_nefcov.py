"""Node Exporter Full and node-mixin coverage: which queries return data with node_exporter but not with ours.

`python -m bench nefcov --nef node-exporter-full.json --mixin-rules PATH` (the inputs are other projects'
text, so they are read from where the operator put them, never copied here): PATH is the node-mixin's
directory (docs/node-mixin of prometheus/node_exporter, rendered with the `jsonnet` command: its
config, alerts and rules, without the dashboards, which need grafonnet) or an already rendered rules
file (YAML or JSON with `groups`).

Debian's prometheus scrapes Debian's node_exporter (job `node`) and ours (job `ours`) on loopback, both
with their default collectors plus processes and systemd, and an empty textfile directory. After a few
scrapes every dashboard query is evaluated per job, its variables substituted as Grafana would
($job, $node = the instance, $nodename, $__rate_interval = 4 scrape intervals, $__interval,
$__range), and every input selector of every mixin rule (its `node_*` vector selectors, the mixin's
`job="node"` rewritten per job).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from bench.bench_exporter import machine
from tests.support.processes import free_port, running, wait_until

SCRAPE_SECONDS = 2
SCRAPES = 12
EXTRA_COLLECTORS = ["--collector.processes", "--collector.systemd"]
JOBS = ("node", "ours")
# Mixin selectors: a node_* metric name not preceded by a name character or `:` (recording rules'
# names), with its label matchers if any.
SELECTOR = re.compile(r"(?<![\w:])(node_\w+)\s*(\{[^}]*\})?")
RENDER = (
    "local m = (import 'config.libsonnet') + (import 'alerts/alerts.libsonnet') "
    "+ (import 'rules/rules.libsonnet'); {groups: m.prometheusAlerts.groups + m.prometheusRules.groups}"
)


@dataclass(frozen=True)
class Query:
    panel: str
    expr: str


@dataclass(frozen=True)
class Rule:
    name: str
    selectors: tuple[str, ...]


def panel_queries(dashboard: dict) -> list[Query]:
    """Every panel target's expression, nested rows included, in dashboard order."""

    def walk(panels: list[dict]) -> Iterator[Query]:
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    yield Query(panel.get("title", ""), target["expr"])
            yield from walk(panel.get("panels", []))

    return list(walk(dashboard.get("panels", [])))


def substitute(expr: str, values: dict[str, str]) -> str:
    """Grafana's `$name` and `${name}` forms; longest names first (`$__range_s` before `$__range`)."""
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", values[name]).replace("$" + name, values[name])
    return expr


def rendered_rules(path: Path) -> dict:
    if path.is_file():
        return yaml.safe_load(path.read_text())
    jsonnet = shutil.which("jsonnet")
    if jsonnet is None:
        raise SystemExit("rendering the mixin needs the jsonnet command (apt-get install jsonnet)")
    out = subprocess.run([jsonnet, "-e", RENDER], cwd=path, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def mixin_rules(rules: dict) -> list[Rule]:
    found = []
    for group in rules["groups"]:
        for rule in group["rules"]:
            selectors = tuple(
                dict.fromkeys(m.group(0).replace(" ", "") for m in SELECTOR.finditer(rule["expr"]))
            )
            found.append(Rule(rule.get("alert") or rule["record"], selectors))
    return found


def for_job(selector: str, job: str) -> str:
    """The selector for one job: the mixin's `job="node"` rewritten, or a job matcher added where it has none
    (`node_nf_conntrack_entries_limit` is written bare, matched through `on` in its rule)."""
    if 'job="node"' in selector:
        return selector.replace('job="node"', f'job="{job}"')
    name, _, matchers = selector.partition("{")
    return f'{name}{{job="{job}"' + ("," + matchers if matchers.strip("}") else "}")


class Prometheus:
    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)

    def has_data(self, expr: str) -> bool | None:
        """True/False whether the instant query returns anything; None when Prometheus refuses it."""
        body = self.client.get("/api/v1/query", params={"query": expr}).json()
        if body["status"] != "success":
            return None
        result = body["data"]["result"]
        return bool(result) if isinstance(result, list) else True

    def label(self, job: str, name: str) -> str:
        result = self.client.get("/api/v1/query", params={"query": f'node_uname_info{{job="{job}"}}'}).json()
        return result["data"]["result"][0]["metric"][name]

    def scrapes(self, job: str) -> int:
        query = f'count_over_time(up{{job="{job}"}}[5m])'
        result = self.client.get("/api/v1/query", params={"query": query}).json()["data"]["result"]
        return int(float(result[0]["value"][1])) if result else 0


def measure(prom: Prometheus, queries: list[Query], rules: list[Rule]) -> list[str]:
    rate = f"{4 * SCRAPE_SECONDS}s"
    answers: dict[str, list[bool | None]] = {}
    for job in JOBS:
        values = {
            "job": job,
            "node": prom.label(job, "instance"),
            "instance": prom.label(job, "instance"),
            "nodename": prom.label(job, "nodename"),
            "__rate_interval": rate,
            "__interval": f"{SCRAPE_SECONDS}s",
            "__range": "1m",
            "__range_s": "60",
        }
        answers[job] = [prom.has_data(substitute(q.expr, values)) for q in queries]
    selectors = sorted({s for rule in rules for s in rule.selectors})
    present = {job: {s: prom.has_data(for_job(s, job)) for s in selectors} for job in JOBS}
    fed = {job: [r for r in rules if all(present[job][s] for s in r.selectors)] for job in JOBS}

    ref, ours = answers["node"], answers["ours"]
    lines = [
        f"Machine: {machine()}; node_exporter: {version()}.",
        "",
        "| | node_exporter | ours |",
        "|---|---|---|",
        f"| NEF queries with data (of {len(queries)}) | {ref.count(True)} | {ours.count(True)} |",
        f"| mixin rules with all inputs (of {len(rules)}) | {len(fed['node'])} | {len(fed['ours'])} |",
        "",
    ]
    refused = [q for q, a in zip(queries, ref, strict=True) if a is None]
    if refused:
        lines.append(f"Queries Prometheus refuses (both jobs): {len(refused)}")
    missing = [q for q, a, b in zip(queries, ref, ours, strict=True) if a and not b]
    lines.append(f"NEF queries with data from node_exporter only ({len(missing)}):")
    lines += [f"- {q.panel}: `{q.expr}`" for q in missing]
    extra = [q for q, a, b in zip(queries, ref, ours, strict=True) if b and not a]
    lines.append(f"NEF queries with data from ours only ({len(extra)}):")
    lines += [f"- {q.panel}: `{q.expr}`" for q in extra]
    empty = [q for q, a, b in zip(queries, ref, ours, strict=True) if not a and not b]
    names = sorted({m.group(1) for q in empty for m in SELECTOR.finditer(q.expr)})
    lines.append(f"NEF queries empty with both ({len(empty)}), their metrics: {', '.join(names)}")
    gaps = [s for s in selectors if present["node"][s] and not present["ours"][s]]
    lines.append(f"Mixin input selectors with data from node_exporter only ({len(gaps)}):")
    lines += [f"- `{s}`" for s in gaps]
    unfed = [r.name for r in rules if r in fed["node"] and r not in fed["ours"]]
    lines.append(f"Mixin rules fed by node_exporter only: {', '.join(unfed) or 'none'}")
    starved = [r.name for r in rules if r not in fed["node"]]
    lines.append(f"Mixin rules node_exporter does not feed here either: {', '.join(starved) or 'none'}")
    return lines


def version() -> str:
    binary = node_exporter_binary()
    out = subprocess.run([binary, "--version"], check=False, capture_output=True, text=True)
    return (out.stdout + out.stderr).split("\n", 1)[0].strip()


def node_exporter_binary() -> str:
    binary = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    if binary is None:
        raise SystemExit("prometheus-node-exporter is not installed (make bench installs it as root)")
    return binary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench nefcov", description=__doc__.split("\n")[0])
    parser.add_argument("--nef", type=Path, required=True, help="Node Exporter Full's JSON (dashboard 1860)")
    parser.add_argument(
        "--mixin-rules", type=Path, required=True, help="docs/node-mixin directory or rendered rules file"
    )
    args = parser.parse_args(argv)
    queries = panel_queries(json.loads(args.nef.read_text()))
    rules = mixin_rules(rendered_rules(args.mixin_rules))
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        raise SystemExit("Debian's prometheus is not installed")
    exporter = str(Path(sys.executable).with_name("dispycluster-exporter"))
    ours_port, theirs_port, prom_port = free_port(), free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        textfiles = tmp / "textfile"
        textfiles.mkdir()
        common = [*EXTRA_COLLECTORS, f"--collector.textfile.directory={textfiles}"]
        config = {
            "global": {"scrape_interval": f"{SCRAPE_SECONDS}s"},
            "scrape_configs": [
                {"job_name": "node", "static_configs": [{"targets": [f"127.0.0.1:{theirs_port}"]}]},
                {"job_name": "ours", "static_configs": [{"targets": [f"127.0.0.1:{ours_port}"]}]},
            ],
        }
        (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
        base = f"http://127.0.0.1:{prom_port}"
        with (
            running(
                [exporter, f"--web.listen-address=127.0.0.1:{ours_port}", *common],
                log_path=tmp / "ours.log",
                ready_url=f"http://127.0.0.1:{ours_port}/",
            ),
            running(
                [node_exporter_binary(), f"--web.listen-address=127.0.0.1:{theirs_port}", *common],
                log_path=tmp / "node_exporter.log",
                ready_url=f"http://127.0.0.1:{theirs_port}/",
            ),
            running(
                [
                    prometheus,
                    f"--config.file={tmp / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                ],
                log_path=tmp / "prometheus.log",
                ready_url=f"{base}/-/ready",
                timeout=30,
            ),
        ):
            prom = Prometheus(base)
            wait_until(
                lambda: min(prom.scrapes(job) for job in JOBS) >= SCRAPES, timeout=SCRAPES * 5, interval=1
            )
            time.sleep(SCRAPE_SECONDS)
            print("\n".join(measure(prom, queries, rules)))
