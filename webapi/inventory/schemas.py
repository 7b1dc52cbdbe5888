"""Inventory node fields, shared by the YAML file, the API bodies and the answers."""

from __future__ import annotations

import re
from typing import Annotated

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from webapi.core.dispy_ports import DEFAULT_NODE_PORT
from webapi.inventory.tables import DEFAULT_EXPORTER_PORT

NodeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]


def _check_host(host: str) -> str:
    """The host must make a URL: an IP address or a hostname IDNA can encode."""
    try:
        httpx.URL(f"http://{host}/")
    except httpx.InvalidURL as error:
        raise ValueError(f"{host!r} is not a valid host name or address ({error})") from None
    return host


Address = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255, pattern=r"^[^\s/:]+$|^\[[0-9a-fA-F:]+\]$"),
    AfterValidator(_check_host),
]
Port = Annotated[int, Field(ge=1, le=65535)]
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_HOST_PORT = re.compile(r"^(?P<host>[^\s/]+):(?P<port>\d{1,5})$")


def _check_labels(labels: dict[str, str] | None) -> dict[str, str] | None:
    for key in labels or {}:
        if not _LABEL_NAME.match(key) or key.startswith("__"):
            raise ValueError(f"label name {key!r} is not a valid Prometheus label name")
    return labels


def _check_exporter(value: str | None) -> str | None:
    if value is None:
        return None
    match = _HOST_PORT.match(value)
    if not match or not 1 <= int(match["port"]) <= 65535:
        raise ValueError("must be host:port with a port in 1..65535")
    _check_host(match["host"])
    return value


class NodeSpec(BaseModel):
    """A node as the inventory file and `POST /api/cluster/nodes` describe it."""

    model_config = ConfigDict(extra="forbid")

    name: NodeName
    address: Address
    exporter: str | None = Field(None, description="host:port of its exporter; default address:9100")
    dispy_port: Port = DEFAULT_NODE_PORT
    labels: dict[str, str] = Field(default_factory=dict)

    _labels = field_validator("labels")(_check_labels)
    _exporter = field_validator("exporter")(_check_exporter)

    @property
    def exporter_target(self) -> str:
        return self.exporter or f"{self.address}:{DEFAULT_EXPORTER_PORT}"


class NodeChange(BaseModel):
    """`PUT /api/cluster/nodes/{name}`: the fields to change (name stays)."""

    model_config = ConfigDict(extra="forbid")

    address: Address | None = None
    exporter: str | None = None
    dispy_port: Port | None = None
    labels: dict[str, str] | None = None

    _labels = field_validator("labels")(_check_labels)
    _exporter = field_validator("exporter")(_check_exporter)


class InventoryNode(BaseModel):
    name: str
    address: str
    exporter: str
    dispy_port: int
    labels: dict[str, str]
    source: str
