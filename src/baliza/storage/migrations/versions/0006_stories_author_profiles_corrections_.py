"""stories author profiles corrections analysis progress

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 08:40:55.919687
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import baliza.storage.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_progress",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("last_mention_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_analysis_progress_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_analysis_progress")),
    )
    op.create_table(
        "story",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("distinct_authors", sa.Integer(), nullable=False),
        sa.Column(
            "platforms", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("total_reach", sa.BigInteger(), nullable=False),
        sa.Column("max_reach", sa.BigInteger(), nullable=False),
        sa.Column("representative_mention_id", sa.BigInteger(), nullable=True),
        sa.Column("representative_text", sa.Text(), nullable=False),
        sa.Column(
            "growth", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "stats", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("first_seen_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_story_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story")),
    )
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.create_index("ix_story_workspace_id_last_seen_at", ["workspace_id", "last_seen_at"], unique=False)

    op.create_table(
        "workspace_classifier",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column(
            "state", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("updated_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_workspace_classifier_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_classifier")),
    )
    op.create_table(
        "correction",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column(
            "value", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "previous", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("corrected_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mention.id"], name=op.f("fk_correction_mention_id_mention"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_correction_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.create_index("ix_correction_workspace_id_created_at", ["workspace_id", "created_at"], unique=False)

    with op.batch_alter_table("author", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bio", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("following", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("account_created_at", baliza.storage.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "profile",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="{}",
                nullable=False,
            )
        )

    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index(batch_op.f("ix_mention_story_id"), ["story_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_mention_story_id_story"), "story", ["story_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_mention_story_id_story"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_mention_story_id"))
        batch_op.drop_column("story_id")

    with op.batch_alter_table("author", schema=None) as batch_op:
        batch_op.drop_column("profile")
        batch_op.drop_column("account_created_at")
        batch_op.drop_column("following")
        batch_op.drop_column("bio")

    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.drop_index("ix_correction_workspace_id_created_at")

    op.drop_table("correction")
    op.drop_table("workspace_classifier")
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_index("ix_story_workspace_id_last_seen_at")

    op.drop_table("story")
    op.drop_table("analysis_progress")
