"""The `alerts` table: one row per alert occurrence, unique on (source, fingerprint, starts_at)."""

from __future__ import annotations

from sqlalchemy import JSON, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapi.core.db.base import Base


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("source", "fingerprint", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # "builtin" | "alertmanager"
    fingerprint: Mapped[str] = mapped_column(String(128))
    # Label values come from Alertmanager as any string: stored as sent, whatever their length.
    name: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(Text)
    node: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # "firing" | "resolved"
    starts_at: Mapped[float] = mapped_column(Float)
    ends_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[float] = mapped_column(Float)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
