"""deploy/alertmanager/alertmanager.yml passes `amtool check-config` and routes to the service."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.support.processes import require_binary

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "alertmanager" / "alertmanager.yml"


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    amtool = require_binary("amtool")
    return subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def test_amtool_check_config_passes():
    result = _check(CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert "1 inhibit rules" in result.stdout


def test_amtool_rejects_a_route_to_an_unknown_receiver(tmp_path: Path):
    broken = tmp_path / "alertmanager.yml"
    broken.write_text(CONFIG.read_text().replace("receiver: dispycluster", "receiver: nobody"))
    assert _check(broken).returncode != 0


def test_grouping_inhibition_and_webhook():
    config = yaml.safe_load(CONFIG.read_text())
    assert config["route"]["group_by"] == ["alertname", "instance"]
    (inhibit,) = config["inhibit_rules"]
    assert inhibit["source_matchers"] == ['severity="critical"']
    assert inhibit["target_matchers"] == ['severity="warning"']
    assert inhibit["equal"] == ["alertname", "instance"]
    (receiver,) = config["receivers"]
    assert receiver["name"] == config["route"]["receiver"]
    (hook,) = receiver["webhook_configs"]
    assert hook["url"] == "http://127.0.0.1:8085/api/monitoring/alertmanager"
    assert hook["send_resolved"] is True
