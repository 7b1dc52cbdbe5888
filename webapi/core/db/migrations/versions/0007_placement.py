"""Node drains and each job's cost: `jobs.peak_temperature_celsius`, `jobs.throttled` and the
`node_drains` table (`jobs.placement` came with 0005_batches).

Revision ID: 0007_placement
Revises: 0006_access
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_placement"
down_revision: str | None = "0006_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("peak_temperature_celsius", sa.Float(), nullable=True))
    op.add_column("jobs", sa.Column("throttled", sa.Boolean(), nullable=True))
    op.create_table(
        "node_drains",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("node_drains")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("throttled")
        batch.drop_column("peak_temperature_celsius")
