from webapi.inventory import store
from webapi.inventory.schemas import NodeSpec
from webapi.inventory.targets import http_sd_groups


def test_http_sd_groups_carry_the_node_name_and_labels(sessions):
    with sessions() as session:
        store.create_node(session, NodeSpec(name="pi1", address="10.0.0.1", labels={"rack": "a"}))
        store.create_node(session, NodeSpec(name="pi2", address="10.0.0.2", exporter="10.0.0.2:9200"))
        groups = http_sd_groups(store.list_nodes(session))
    assert groups == [
        {"targets": ["10.0.0.1:9100"], "labels": {"rack": "a", "node": "pi1"}},
        {"targets": ["10.0.0.2:9200"], "labels": {"node": "pi2"}},
    ]
