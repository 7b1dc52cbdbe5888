"""Grafana provisioning: a fixed datasource uid and a file provider where docker-compose puts the JSON."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROVISIONING = DEPLOY / "grafana" / "provisioning"


def test_prometheus_datasource_has_a_fixed_uid_and_is_the_default():
    config = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    assert config["apiVersion"] == 1
    by_type = {d["type"]: d for d in config["datasources"]}
    prometheus = by_type["prometheus"]
    assert prometheus["uid"] == "dispycluster-prometheus"
    assert prometheus["isDefault"] is True
    assert prometheus["url"] == "http://127.0.0.1:9090"
    assert by_type["alertmanager"]["jsonData"]["implementation"] == "prometheus"
    assert len({d["uid"] for d in config["datasources"]}) == len(config["datasources"])


def test_dashboard_provider_reads_the_directory_compose_mounts_the_generated_json_into():
    config = yaml.safe_load((PROVISIONING / "dashboards" / "dispycluster.yml").read_text())
    (provider,) = config["providers"]
    assert provider["type"] == "file"
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    mounts = dict(
        v.rsplit(":", 2)[:2] for v in compose["services"]["grafana"]["volumes"] if v.count(":") == 2
    )
    assert mounts["../dashboards/generated"] == provider["options"]["path"]
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
