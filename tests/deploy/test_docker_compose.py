"""deploy/docker-compose.yml: pinned images, no default Grafana password, mounts that exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_the_three_services_with_pinned_images():
    services = COMPOSE["services"]
    assert set(services) == {"prometheus", "alertmanager", "grafana"}
    for name, service in services.items():
        assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+\.\d+", service["image"]), name


def test_grafana_admin_password_is_required_from_the_env_file():
    env = COMPOSE["services"]["grafana"]["environment"]
    assert re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}", env["GF_SECURITY_ADMIN_PASSWORD"])
    example = (DEPLOY / ".env.example").read_text()
    assert re.search(r"^GRAFANA_ADMIN_PASSWORD=$", example, re.MULTILINE), "the example must not set one"
    assert "admin" not in example.split("GRAFANA_ADMIN_PASSWORD=", 1)[1].splitlines()[0]


def test_relative_mounts_point_at_files_in_the_repository():
    for name, service in COMPOSE["services"].items():
        for volume in service["volumes"]:
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source} does not exist"


def test_listen_addresses_match_the_prometheus_and_grafana_configs():
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (manager,) = prometheus["alerting"]["alertmanagers"]
    am_address = manager["static_configs"][0]["targets"][0]
    assert f"--web.listen-address={am_address}" in COMPOSE["services"]["alertmanager"]["command"]
    assert "--cluster.listen-address=" in COMPOSE["services"]["alertmanager"]["command"]
    datasources = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    url = next(d["url"] for d in datasources["datasources"] if d["type"] == "prometheus")
    assert (
        f"--web.listen-address={url.removeprefix('http://')}" in COMPOSE["services"]["prometheus"]["command"]
    )
