"""alert update timers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 09:39:32.836570
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import baliza.storage.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("update_due_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_update_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_alert_group_update_due_at"), ["update_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_group_update_due_at"))
        batch_op.drop_column("last_update_at")
        batch_op.drop_column("update_due_at")
