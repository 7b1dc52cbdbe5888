from pathlib import Path

import pytest

from webapi.inventory.file import InventoryError, read_inventory


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(text)
    return path


def test_the_original_master_workers_format(tmp_path):
    specs = read_inventory(write(tmp_path, "master: node1.lan\nworkers:\n  - node2.lan\n  - node3.lan\n"))
    assert [(s.name, s.address, s.exporter_target, s.dispy_port, s.labels) for s in specs] == [
        ("node1.lan", "node1.lan", "node1.lan:9100", 9701, {"role": "master"}),
        ("node2.lan", "node2.lan", "node2.lan:9100", 9701, {"role": "worker"}),
        ("node3.lan", "node3.lan", "node3.lan:9100", 9701, {"role": "worker"}),
    ]


def test_the_nodes_format_with_every_field(tmp_path):
    text = (
        "nodes:\n"
        "  - {name: pi1, address: 10.0.0.11, exporter: '10.0.0.11:9200',\n"
        "     dispy_port: 9800, labels: {rack: a}}\n"
        "  - {name: pi2, address: 10.0.0.12}\n"
    )
    pi1, pi2 = read_inventory(write(tmp_path, text))
    assert (pi1.exporter_target, pi1.dispy_port, pi1.labels) == ("10.0.0.11:9200", 9800, {"rack": "a"})
    assert (pi2.exporter_target, pi2.dispy_port, pi2.labels) == ("10.0.0.12:9100", 9701, {})


def test_an_empty_file_is_an_empty_inventory(tmp_path):
    assert read_inventory(write(tmp_path, "")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nodes:\n  - {name: a, address: x}\n  - {name: a, address: y}\n", "listed twice"),
        ("nodes:\n  - {name: a, address: x, dispy_port: 0}\n", "node #1: dispy_port"),
        ("nodes:\n  - {name: a, address: x, colour: red}\n", "colour"),
        ("nodes: {a: 1}\n", "must be a list"),
        ("workers: [1]\n", "host names"),
        ("nodes: [\n", "invalid YAML"),
        ("- a\n", "expected a mapping"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(tmp_path, text, message):
    with pytest.raises(InventoryError, match=message):
        read_inventory(write(tmp_path, text))


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(InventoryError, match="cannot read"):
        read_inventory(tmp_path / "missing.yaml")
