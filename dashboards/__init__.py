"""Grafana dashboards written with grafanalib; `dashboards.build` renders them to JSON."""
