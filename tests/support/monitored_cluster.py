"""One running service for the router tests: Debian's node_exporter, ours, and a node nobody answers for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import free_port, wait_until
from tests.support.webservice import Service, debian_exporter, our_exporter, run_service, write_inventory


@dataclass
class Cluster:
    service: Service
    inventory: Path
    nodes: dict[str, str]  # name → exporter address


# One service for the cluster and the monitoring route tests (started by the first that needs it).
@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp_path = tmp_path_factory.mktemp("cluster")
    stock, ours = debian_exporter(tmp_path), our_exporter(tmp_path)
    nodes = {"stock": stock.address, "ours": ours.address, "dead": f"127.0.0.1:{free_port()}"}
    inventory = write_inventory(
        tmp_path / "inventory.yaml",
        [
            {"name": name, "address": "127.0.0.1", "exporter": address, "labels": {"kind": name}}
            for name, address in nodes.items()
        ],
    )
    with (
        stock.run(),
        ours.run(),
        run_service(
            tmp_path, inventory=str(inventory), collect_interval="0.5", collect_timeout="0.4"
        ) as service,
    ):
        with service.client() as client:

            def two_online_with_rates() -> bool:
                rows = {n["name"]: n for n in client.get("/api/cluster/nodes").json()}
                return all(rows[name]["cpu_percent"] is not None for name in ("stock", "ours"))

            wait_until(two_online_with_rates, timeout=60)
        yield Cluster(service, inventory, nodes)
