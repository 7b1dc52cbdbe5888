"""DispyCluster web service: one FastAPI process for the cluster, monitoring and job APIs and the UI."""

__version__ = "0.1.0"
