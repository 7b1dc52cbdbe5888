"""The `api_tokens` table: named tokens, stored as the SHA-256 of the secret, never the secret itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapi.core.db.base import Base


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Written at most once a minute per token (webapi.access.service.TokenDirectory), not per request.
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
