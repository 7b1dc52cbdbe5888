"""deploy/prometheus/*.yml pass `promtool check config` (rules included) and scrape what the rules expect."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from alerts.rules import DEFAULT_OUT as RULES_DIR
from alerts.signals import NODE_JOB, SERVICE_JOB
from tests.support.processes import require_binary

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CONFIGS = ["prometheus.yml", "prometheus-static.yml"]


def _staged(tmp_path: Path, name: str) -> Path:
    """The config beside a `rules/` dir holding the generated rules, as docker-compose mounts them."""
    shutil.copy(DEPLOY / "prometheus" / name, tmp_path / name)
    shutil.copytree(RULES_DIR, tmp_path / "rules")
    return tmp_path / name


@pytest.mark.parametrize("name", CONFIGS)
def test_promtool_check_config_passes_with_the_rules(tmp_path: Path, name: str):
    promtool = require_binary("promtool")
    config = _staged(tmp_path, name)
    result = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "2 rule files found" in output
    assert output.count("SUCCESS") >= 3


def test_promtool_rejects_a_broken_config(tmp_path: Path):
    promtool = require_binary("promtool")
    config = _staged(tmp_path, "prometheus.yml")
    config.write_text(config.read_text().replace("scrape_interval: 15s", "scrape_interval: soon"))
    result = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0


def _jobs(name: str) -> dict[str, dict]:
    config = yaml.safe_load((DEPLOY / "prometheus" / name).read_text())
    return {job["job_name"]: job for job in config["scrape_configs"]}


def test_nodes_come_from_the_service_inventory_and_the_service_is_scraped():
    jobs = _jobs("prometheus.yml")
    assert set(jobs) == {NODE_JOB, SERVICE_JOB}
    (sd,) = jobs[NODE_JOB]["http_sd_configs"]
    assert sd["url"].endswith("/api/cluster/targets")
    assert sd["authorization"]["type"] == "Bearer"
    assert jobs[SERVICE_JOB]["static_configs"][0]["targets"] == ["127.0.0.1:8085"]


def test_static_example_labels_every_node():
    jobs = _jobs("prometheus-static.yml")
    groups = jobs[NODE_JOB]["static_configs"]
    assert groups and all(g["labels"]["node"] for g in groups)


@pytest.mark.parametrize("name", CONFIGS)
def test_alerts_go_to_the_local_alertmanager(name: str):
    config = yaml.safe_load((DEPLOY / "prometheus" / name).read_text())
    (manager,) = config["alerting"]["alertmanagers"]
    assert manager["static_configs"][0]["targets"] == ["127.0.0.1:9093"]
    assert config["rule_files"] == ["rules/*.yml"]
