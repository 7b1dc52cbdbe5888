"""Alerts: built-in threshold evaluation and the Alertmanager webhook, stored in one table."""
