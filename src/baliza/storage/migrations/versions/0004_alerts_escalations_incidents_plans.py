"""alerts escalations incidents plans

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:19:19.147727
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import baliza.storage.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "availability",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("is_drill", sa.Boolean(), nullable=False),
        sa.Column("unavailable_from", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("unavailable_until", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_availability_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability")),
        sa.UniqueConstraint(
            "workspace_id", "person_id", "is_drill", name=op.f("uq_availability_workspace_id_person_id_is_drill")
        ),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("playbook", sa.String(length=128), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("is_drill", sa.Boolean(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=True),
        sa.Column("started_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detected_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("monitoring_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_incident_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("workspace_id", "number", name=op.f("uq_incident_workspace_id_number")),
    )
    op.create_table(
        "plan_version",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "warnings", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("filename", sa.String(length=512), nullable=True),
        sa.Column("loaded_by", sa.String(length=200), nullable=True),
        sa.Column("loaded_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_plan_version_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
        sa.UniqueConstraint("workspace_id", "version", name=op.f("uq_plan_version_workspace_id_version")),
    )
    op.create_table(
        "alert_group",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(length=512), nullable=False),
        sa.Column("route_path", sa.String(length=256), nullable=False),
        sa.Column("receiver", sa.String(length=128), nullable=False),
        sa.Column(
            "labels", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("proposed_severity", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column(
            "triage", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("severity_override_reason", sa.Text(), nullable=True),
        sa.Column("severity_override_by", sa.String(length=200), nullable=True),
        sa.Column("is_drill", sa.Boolean(), nullable=False),
        sa.Column("signal_count", sa.Integer(), nullable=False),
        sa.Column("plan_version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("first_signal_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_signal_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_alert_group_incident_id_incident"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_version.id"],
            name=op.f("fk_alert_group_plan_version_id_plan_version"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_alert_group_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_group")),
    )
    with op.batch_alter_table("alert_group", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_group_workspace_id_last_signal_at", ["workspace_id", "last_signal_at"], unique=False
        )
        batch_op.create_index(
            "uq_alert_group_open_key",
            ["workspace_id", "group_key"],
            unique=True,
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        )

    op.create_table(
        "alert_group_signal",
        sa.Column("alert_group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("signal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_group_id"],
            ["alert_group.id"],
            name=op.f("fk_alert_group_signal_alert_group_id_alert_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signal.id"], name=op.f("fk_alert_group_signal_signal_id_signal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_group_id", "signal_id", name=op.f("pk_alert_group_signal")),
    )
    op.create_table(
        "escalation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("alert_group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column(
            "snapshot", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("repeat_done", sa.Integer(), nullable=False),
        sa.Column("next_run_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_drill", sa.Boolean(), nullable=False),
        sa.Column("started_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_group_id"],
            ["alert_group.id"],
            name=op.f("fk_escalation_alert_group_id_alert_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_escalation_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_alert_group_id"), ["alert_group_id"], unique=False)
        batch_op.create_index("ix_escalation_status_next_run_at", ["status", "next_run_at"], unique=False)

    op.create_table(
        "timeline_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("alert_group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("is_failure", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_group_id"],
            ["alert_group.id"],
            name=op.f("fk_timeline_entry_alert_group_id_alert_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_timeline_entry_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_timeline_entry_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entry")),
    )
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.create_index("ix_timeline_entry_alert_group_id_at", ["alert_group_id", "at"], unique=False)
        batch_op.create_index("ix_timeline_entry_incident_id_at", ["incident_id", "at"], unique=False)

    op.create_table(
        "page",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(length=512), nullable=True),
        sa.Column(
            "attempts", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("ack_nonce", sa.String(length=64), nullable=True),
        sa.Column("ack_used_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"], ["escalation.id"], name=op.f("fk_page_escalation_id_escalation"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page")),
        sa.UniqueConstraint("ack_nonce", name=op.f("uq_page_ack_nonce")),
        sa.UniqueConstraint(
            "escalation_id",
            "step_index",
            "round",
            "person_id",
            name=op.f("uq_page_escalation_id_step_index_round_person_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("page")
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_entry_incident_id_at")
        batch_op.drop_index("ix_timeline_entry_alert_group_id_at")

    op.drop_table("timeline_entry")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_status_next_run_at")
        batch_op.drop_index(batch_op.f("ix_escalation_alert_group_id"))

    op.drop_table("escalation")
    op.drop_table("alert_group_signal")
    with op.batch_alter_table("alert_group", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alert_group_open_key",
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        )
        batch_op.drop_index("ix_alert_group_workspace_id_last_signal_at")

    op.drop_table("alert_group")
    op.drop_table("plan_version")
    op.drop_table("incident")
    op.drop_table("availability")
