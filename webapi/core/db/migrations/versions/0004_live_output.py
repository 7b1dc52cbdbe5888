"""Live job output: each log line says which attempt of its job wrote it.

Revision ID: 0004_live_output
Revises: 0003_jobs
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_live_output"
down_revision: str | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Lines written before this revision keep 0: their attempt was not recorded.
    with op.batch_alter_table("job_logs") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("job_logs") as batch:
        batch.drop_column("attempt")
