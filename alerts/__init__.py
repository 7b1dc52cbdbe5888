"""Alerting: the threshold table shared by the web service's built-in evaluator and the Prometheus rules."""
