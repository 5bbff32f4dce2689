"""account state (disabled users, sessions' last request) and the audited department

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain-text default: an expression would make SQLite rebuild ``users``, and dropping the old
    # table would cascade to every table that refers to it (sessions deleted, authors forgotten)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), server_default="0", nullable=False))

    # open sessions count as seen when they were opened
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE sessions SET last_seen = created_at")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.alter_column("last_seen", existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table("audit_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=200), server_default="", nullable=False))
    # earlier audits: the department their stored result names
    connection = op.get_bind()
    runs = sa.table("audit_runs", sa.column("id", sa.Integer), sa.column("result_json", sa.Text))
    named = sa.table("audit_runs", sa.column("id", sa.Integer), sa.column("department", sa.String))
    for run_id, result_json in connection.execute(sa.select(runs.c.id, runs.c.result_json)).all():
        try:
            department = str((json.loads(result_json).get("document") or {}).get("department") or "")
        except (ValueError, AttributeError):  # a damaged result keeps an empty department
            continue
        if department:
            connection.execute(sa.update(named).where(named.c.id == run_id).values(department=department[:200]))


def downgrade() -> None:
    with op.batch_alter_table("audit_runs", schema=None) as batch_op:
        batch_op.drop_column("department")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("last_seen")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("disabled")
