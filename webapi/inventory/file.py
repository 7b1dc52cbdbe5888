"""Reading the inventory YAML: the original `master:`/`workers:` format and the richer `nodes:` list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from webapi.inventory.schemas import NodeSpec


class InventoryError(ValueError):
    """The inventory file cannot be used; the message says where and why."""


def _host_spec(host: Any, role: str, path: Path) -> dict[str, Any]:
    if not isinstance(host, str) or not host:
        raise InventoryError(f"{path}: {role} entries must be host names, got {host!r}")
    return {"name": host, "address": host, "labels": {"role": role}}


def parse_inventory(document: Any, path: Path) -> list[NodeSpec]:
    """Node specs from a parsed YAML document (both formats may be mixed; names must be unique)."""
    if document is None:
        return []
    if not isinstance(document, dict):
        raise InventoryError(f"{path}: expected a mapping with `nodes:` or `master:`/`workers:`")
    raw: list[Any] = []
    if document.get("master"):
        raw.append(_host_spec(document["master"], "master", path))
    workers = document.get("workers") or []
    if not isinstance(workers, list):
        raise InventoryError(f"{path}: `workers:` must be a list of host names")
    raw.extend(_host_spec(host, "worker", path) for host in workers)
    nodes = document.get("nodes") or []
    if not isinstance(nodes, list):
        raise InventoryError(f"{path}: `nodes:` must be a list")
    raw.extend(nodes)
    specs: list[NodeSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        try:
            spec = NodeSpec.model_validate(item)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            raise InventoryError(f"{path}: node #{index + 1}: {problems}") from None
        if spec.name in seen:
            raise InventoryError(f"{path}: node {spec.name!r} is listed twice")
        seen.add(spec.name)
        specs.append(spec)
    return specs


def read_inventory(path: Path) -> list[NodeSpec]:
    try:
        text = path.read_text()
    except OSError as error:
        raise InventoryError(f"{path}: cannot read the inventory file: {error.strerror}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InventoryError(f"{path}: invalid YAML: {error}") from None
    return parse_inventory(document, path)
