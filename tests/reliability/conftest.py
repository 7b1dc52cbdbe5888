"""The dispynode fixtures of the job tests, for the fault and crash tests."""

from tests.jobs.conftest import make_client, start_node

__all__ = ["make_client", "start_node"]
