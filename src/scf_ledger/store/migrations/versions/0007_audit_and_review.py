"""audit_records: every operator action and automatic one (who, what, why, request, tx); blacklist_entries
(addresses, device ids, document hashes, with who and why); credit_orders gains the reviewer and the reason of a
reviewed order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scf_ledger.store.types import BigInt

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", BigInt(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("operation_id", sa.String(40), nullable=True),
        sa.UniqueConstraint("operation_id", "action", "subject", name="uq_audit_operation_action"),
    )
    op.create_index("ix_audit_records_at", "audit_records", ["at"])
    op.create_index("ix_audit_records_actor", "audit_records", ["actor"])
    op.create_index("ix_audit_records_action", "audit_records", ["action"])
    op.create_table(
        "blacklist_entries",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", BigInt(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
    )
    with op.batch_alter_table("credit_orders") as batch:
        batch.add_column(sa.Column("reviewer", sa.String(42), nullable=True))
        batch.add_column(sa.Column("review_reason", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credit_orders") as batch:
        batch.drop_column("review_reason")
        batch.drop_column("reviewer")
    op.drop_table("blacklist_entries")
    op.drop_table("audit_records")
