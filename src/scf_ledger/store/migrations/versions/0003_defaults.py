"""defaults: one row per ReceivableDefaulted event, for lineage without scanning chain_events

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import scf_ledger.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    big = scf_ledger.store.types.BigInt(length=80)
    op.create_table(
        "defaults",
        sa.Column("token_id", big, nullable=False),
        sa.Column("obligor", sa.String(length=42), nullable=False),
        sa.Column("outstanding", big, nullable=False),
        sa.Column("chain_id", big, nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", big, nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "tx_hash", "log_index"),
    )
    op.create_index("ix_defaults_token_id", "defaults", ["token_id"])
    op.create_index("ix_defaults_obligor", "defaults", ["obligor"])
    op.create_index("ix_defaults_block_number", "defaults", ["block_number"])
    # Defaults indexed before this table existed are in chain_events: project them once.
    events = sa.table(
        "chain_events",
        sa.column("chain_id", big),
        sa.column("tx_hash", sa.String),
        sa.column("log_index", sa.Integer),
        sa.column("block_number", big),
        sa.column("name", sa.String),
        sa.column("args", sa.JSON),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(events).where(events.c.name == "ReceivableDefaulted")).all()
    if rows:
        defaults = sa.table(
            "defaults",
            *(sa.column(c, big) for c in ("token_id", "outstanding", "chain_id", "block_number")),
            sa.column("obligor", sa.String),
            sa.column("tx_hash", sa.String),
            sa.column("log_index", sa.Integer),
        )
        op.bulk_insert(
            defaults,
            [
                {
                    "token_id": int(r.args["id"]),
                    "obligor": r.args["obligor"],
                    "outstanding": int(r.args["outstanding"]),
                    "chain_id": r.chain_id,
                    "tx_hash": r.tx_hash,
                    "log_index": r.log_index,
                    "block_number": r.block_number,
                }
                for r in rows
            ],
        )


def downgrade() -> None:
    op.drop_table("defaults")
