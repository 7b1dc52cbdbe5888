"""Monitoring: the collector (scrape, derive, history), the built-in alerts and the Alertmanager webhook."""
