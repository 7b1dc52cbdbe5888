"""The `nodes` table: the inventory, from the file and from the API."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapi.core.db.base import Base
from webapi.core.dispy_ports import DEFAULT_NODE_PORT

DEFAULT_EXPORTER_PORT = 9100


class NodeRow(Base):
    __tablename__ = "nodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    address: Mapped[str] = mapped_column(String(255))
    exporter: Mapped[str] = mapped_column(String(255))
    dispy_port: Mapped[int] = mapped_column(Integer, default=DEFAULT_NODE_PORT)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # "file" rows follow the inventory file; "api" rows belong to the operator and a reload leaves them alone.
    source: Mapped[str] = mapped_column(String(8), default="api")
    # An API deletion of a file node is remembered, so that reloading the file does not bring it back.
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
