"""Metric collection: scrape every exporter, derive node metrics, keep history, report status."""
