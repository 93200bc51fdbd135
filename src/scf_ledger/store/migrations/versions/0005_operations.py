"""operations, their steps and signers' nonces: durable writes (replace idempotency_records)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import scf_ledger.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    big = scf_ledger.store.types.BigInt(length=80)
    op.create_table(
        "operations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("party", sa.String(length=42), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("party", "key", name="uq_operations_party_key"),
    )
    op.create_index("ix_operations_status", "operations", ["status"])
    op.create_table(
        "operation_steps",
        sa.Column("operation_id", sa.String(length=40), sa.ForeignKey("operations.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("signer", sa.String(length=42), nullable=True),
        sa.Column("nonce", big, nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", "seq"),
    )
    op.create_table(
        "signer_nonces",
        sa.Column("signer", sa.String(length=42), nullable=False),
        sa.Column("next_nonce", big, nullable=False),
        sa.PrimaryKeyConstraint("signer"),
    )
    # Stored answers of earlier requests stay replayable under their keys, as finished operations.
    op.execute(
        "INSERT INTO operations (id, party, key, route, request_digest, request, status, status_code, response)"
        " SELECT 'op_' || substr(request_digest, 1, 16) || substr(party, 3, 8), party, key, 'POST', request_digest,"
        " '{}', 'succeeded', status_code, response FROM idempotency_records WHERE status_code > 0"
    )
    op.drop_table("idempotency_records")


def downgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("party", sa.String(length=42), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("party", "key"),
    )
    op.drop_table("signer_nonces")
    op.drop_table("operation_steps")
    op.drop_index("ix_operations_status", "operations")
    op.drop_table("operations")
