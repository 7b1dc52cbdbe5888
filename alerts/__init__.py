"""Alerting: the threshold table shared by the web service's built-in evaluator and the Prometheus rules.

`thresholds` (the table), `signals` (each signal's PromQL), `templates` (annotation text for Prometheus),
`prometheus_only` (alerts that need Prometheus), `recording` (recording rules), `rules` (renders the rule
files written by `dispycluster rules`).
"""
