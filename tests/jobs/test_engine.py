"""The engine's node list follows the inventory (no dispy cluster is started for refused nodes)."""

from webapi.jobs.dispatch.engine_api import NodeAddress, NodeStateName
from webapi.jobs.dispy_client import EngineConfig
from webapi.jobs.engine import DispyEngine


def make_engine(tmp_path) -> DispyEngine:
    config = EngineConfig(
        secret="", client_host=None, client_port=0, pulse_interval=1.0, recover_file=tmp_path / "recover"
    )
    return DispyEngine(config)


def test_nodes_removed_from_the_list_are_forgotten(tmp_path):
    engine = make_engine(tmp_path)
    # glibc rejects such names itself (no DNS query leaves the machine), so both are refused before
    # any dispy traffic.
    engine.sync_nodes([NodeAddress("a", "bad host a!", 9701), NodeAddress("b", "bad host b!", 9701)])
    assert sorted((n.name, n.state) for n in engine.nodes()) == [
        ("a", NodeStateName.REFUSED),
        ("b", NodeStateName.REFUSED),
    ]
    engine.sync_nodes([NodeAddress("b", "bad host b!", 9701)])
    assert [n.name for n in engine.nodes()] == ["b"]
    assert "cannot resolve" in engine.nodes()[0].message
