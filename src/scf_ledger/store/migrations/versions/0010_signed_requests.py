"""signed requests: a party's registered public keys (a party with one must sign every request) and the nonces
seen, so that none is accepted twice

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scf_ledger.store.types import BigInt

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("signs_requests", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "request_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("party", sa.String(42), nullable=False, index=True),
        sa.Column("algorithm", sa.String(10), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", BigInt(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "request_nonces",
        sa.Column("key_id", sa.String(40), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("seen_at", BigInt(), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("request_nonces")
    op.drop_table("request_keys")
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("signs_requests")
