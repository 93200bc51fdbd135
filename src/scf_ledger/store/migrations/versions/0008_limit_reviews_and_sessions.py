"""limit_reviews: each change the scheduled review of a line made; risk_decisions gains the standing it starts
from (the score of the profile and the order, and the income cap); web_sessions: the dashboard's sessions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scf_ledger.store.types import BigInt

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("risk_decisions") as batch:
        batch.add_column(sa.Column("base_score", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("income_cap", BigInt(), nullable=True))
    op.create_table(
        "limit_reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("obligor", sa.String(42), nullable=False),
        sa.Column("at", BigInt(), nullable=False),
        sa.Column("previous_limit", BigInt(), nullable=False),
        sa.Column("new_limit", BigInt(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("risk_decisions.id"), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("operation_id", sa.String(40), nullable=True, unique=True),
    )
    op.create_index("ix_limit_reviews_obligor", "limit_reviews", ["obligor"])
    op.create_table(
        "web_sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("key_digest", sa.String(64), sa.ForeignKey("api_keys.digest"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("expires_at", BigInt(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_web_sessions_key_digest", "web_sessions", ["key_digest"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("limit_reviews")
    with op.batch_alter_table("risk_decisions") as batch:
        batch.drop_column("income_cap")
        batch.drop_column("base_score")
