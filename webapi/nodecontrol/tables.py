"""The `node_drains` table: one row per drained node, keyed by the node's name (not by its inventory
row, which an inventory reload may replace), so a drain outlives restarts and reloads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from webapi.core.db.base import Base


class NodeDrain(Base):
    __tablename__ = "node_drains"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Naive UTC like every stored time; None: until resumed.
    until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    since: Mapped[datetime] = mapped_column(DateTime)
