import pytest

from webapi.core.domain_errors import ConflictError, NotFoundError
from webapi.inventory import store
from webapi.inventory.schemas import NodeChange, NodeSpec


def names(session):
    return [(row.name, row.source) for row in store.list_nodes(session)]


def test_sync_adds_updates_and_removes_file_nodes(sessions):
    with sessions() as session:
        first = store.sync_file(
            session, [NodeSpec(name="a", address="a.lan"), NodeSpec(name="b", address="b.lan")]
        )
        assert (first.added, first.updated, first.removed) == (2, 0, 0)
        second = store.sync_file(session, [NodeSpec(name="a", address="a2.lan")])
        assert (second.added, second.updated, second.removed) == (0, 1, 1)
        assert names(session) == [("a", "file")]
        assert store.get_node(session, "a").exporter == "a2.lan:9100"


def test_api_changes_survive_a_reload_of_the_file(sessions):
    specs = [NodeSpec(name="a", address="a.lan"), NodeSpec(name="b", address="b.lan")]
    with sessions() as session:
        store.sync_file(session, specs)
        store.create_node(session, NodeSpec(name="c", address="c.lan", labels={"zone": "x"}))
        store.update_node(session, "a", NodeChange(labels={"gpu": "yes"}))
        store.delete_node(session, "b")
        store.sync_file(session, specs)
        assert names(session) == [("a", "api"), ("c", "api")]
        assert store.get_node(session, "a").labels == {"gpu": "yes"}
        assert store.get_node(session, "b") is None


def test_changing_the_address_moves_a_default_exporter_along(sessions):
    with sessions() as session:
        store.create_node(session, NodeSpec(name="a", address="10.0.0.1"))
        row = store.update_node(session, "a", NodeChange(address="10.0.0.2"))
        assert row.exporter == "10.0.0.2:9100"
        row = store.update_node(session, "a", NodeChange(exporter="10.0.0.9:9200"))
        assert (row.address, row.exporter) == ("10.0.0.2", "10.0.0.9:9200")


def test_create_twice_is_a_conflict_and_unknown_names_are_not_found(sessions):
    with sessions() as session:
        store.create_node(session, NodeSpec(name="a", address="a.lan"))
        with pytest.raises(ConflictError, match="already exists"):
            store.create_node(session, NodeSpec(name="a", address="a.lan"))
        for action in (
            lambda: store.delete_node(session, "zz"),
            lambda: store.update_node(session, "zz", NodeChange()),
        ):
            with pytest.raises(NotFoundError, match="not in the inventory"):
                action()


def test_a_deleted_node_can_be_added_again(sessions):
    with sessions() as session:
        store.sync_file(session, [NodeSpec(name="a", address="a.lan")])
        store.delete_node(session, "a")
        store.create_node(session, NodeSpec(name="a", address="a3.lan"))
        assert names(session) == [("a", "api")]
