"""Jobs: the `jobs` table and its logs.

Revision ID: 0003_jobs
Revises: 0002_monitoring
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_jobs"
down_revision: str | None = "0002_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("node", sa.String(255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_retries", sa.Integer(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("progress_message", sa.String(500), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("log_bytes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_status_created", "jobs", ["status", "created_at", "id"])
    op.create_index("ix_jobs_type_created", "jobs", ["type", "created_at", "id"])
    op.create_index("ix_jobs_node_created", "jobs", ["node", "created_at", "id"])
    op.create_index("ix_jobs_created_at", "jobs", ["created_at", "id"])
    # Descending priority like the queue's ORDER BY: else every dispatch sorts all queued jobs.
    op.create_index("ix_jobs_queue", "jobs", ["status", sa.text("priority DESC"), "id"])
    op.create_table(
        "job_logs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_logs")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_logs_job_id_jobs"), ondelete="CASCADE"
        ),
    )
    op.create_index("ix_job_logs_job_id_id", "job_logs", ["job_id", "id"])
    op.create_table(
        "job_counts",
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_job_counts")),
    )
    for statement in COUNT_TRIGGERS[_dialect()]:
        op.execute(statement)


def _dialect() -> str:
    name = op.get_bind().dialect.name
    if name not in COUNT_TRIGGERS:
        raise NotImplementedError(f"jobs need SQLite or PostgreSQL (job_counts triggers), not {name}")
    return name


# `job_counts` holds the number of jobs in each state, kept by triggers on `jobs` in both databases:
# list totals and the queued/running gauges then read a handful of rows instead of counting the table.
_BUMP = (
    "INSERT INTO job_counts (status, count) VALUES (NEW.status, 1) "
    "ON CONFLICT (status) DO UPDATE SET count = job_counts.count + 1;"
)
_DROP = "UPDATE job_counts SET count = count - 1 WHERE status = OLD.status;"
COUNT_TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN {_BUMP} END",
        "CREATE TRIGGER jobs_count_update AFTER UPDATE OF status ON jobs WHEN OLD.status <> NEW.status "
        f"BEGIN {_DROP} {_BUMP} END",
        f"CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN {_DROP} END",
    ],
    "postgresql": [
        "CREATE FUNCTION jobs_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_DROP} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_BUMP} END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_count()",
        "CREATE TRIGGER jobs_count_update AFTER UPDATE OF status ON jobs FOR EACH ROW "
        "WHEN (OLD.status <> NEW.status) EXECUTE FUNCTION jobs_count()",
        "CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_count()",
    ],
}
_DROP_TRIGGERS = {
    "sqlite": [f"DROP TRIGGER IF EXISTS jobs_count_{op_}" for op_ in ("insert", "update", "delete")],
    "postgresql": [
        *(f"DROP TRIGGER IF EXISTS jobs_count_{op_} ON jobs" for op_ in ("insert", "update", "delete")),
        "DROP FUNCTION IF EXISTS jobs_count()",
    ],
}


def downgrade() -> None:
    for statement in _DROP_TRIGGERS[_dialect()]:
        op.execute(statement)
    op.drop_table("job_counts")
    op.drop_table("job_logs")
    op.drop_table("jobs")
