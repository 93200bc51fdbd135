"""receivables gain what dilution, disputes and early repayment change: the fee paid apart from the principal,
principal credited by credit notes, fee waived, the open dispute and the days of closed ones; disputes: who gave
notice, why, and how each ended

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scf_ledger.store.types import BigInt

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("receivables") as batch:
        batch.add_column(sa.Column("fee_paid", BigInt(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("credited", BigInt(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("fee_waived", BigInt(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("disputed_since", BigInt(), nullable=True))
        batch.add_column(sa.Column("dispute_days", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("token_id", BigInt(), nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("notice_from", sa.String(10), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_at", BigInt(), nullable=False),
        sa.Column("closed_at", BigInt(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("credit", BigInt(), nullable=False),
        sa.Column("fee_waiver", BigInt(), nullable=False),
        sa.Column("resolution_reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_disputes_token_id", "disputes", ["token_id"])
    # Before this, every repayment paid the fee first: what was paid of it is the smaller of the two.
    op.execute("UPDATE receivables SET fee_paid = CASE WHEN paid < fee THEN paid ELSE fee END")


def downgrade() -> None:
    op.drop_table("disputes")
    with op.batch_alter_table("receivables") as batch:
        for column in ("dispute_days", "disputed_since", "fee_waived", "credited", "fee_paid"):
            batch.drop_column(column)
