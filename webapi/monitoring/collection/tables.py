"""Metric history: one row per (node, metric, time); raw rows and downsampled bucket averages."""

from __future__ import annotations

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapi.core.db.base import Base

RAW = 0


class SampleRow(Base):
    __tablename__ = "metric_samples"
    __table_args__ = (
        Index("ix_metric_samples_node_metric_ts", "node", "metric", "ts"),
        Index("ix_metric_samples_resolution_ts", "resolution", "ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node: Mapped[str] = mapped_column(String(128))
    metric: Mapped[str] = mapped_column(String(64))
    ts: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    # 0 for a raw sample, else the width in seconds of the bucket this row averages.
    resolution: Mapped[int] = mapped_column(Integer, default=RAW)
