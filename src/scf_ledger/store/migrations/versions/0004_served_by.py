"""parties.gateway: the gateway that serves an obligor (its orders, repayments, line and book)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("gateway", sa.String(length=42), nullable=True))
        batch.create_index("ix_parties_gateway", ["gateway"])
    # An obligor registered before gateways were named is served by the gateway of its first order.
    op.execute(
        "UPDATE parties SET gateway = (SELECT o.gateway FROM credit_orders o WHERE o.buyer = parties.address"
        " ORDER BY o.at, o.created_at LIMIT 1) WHERE role = 'obligor'"
    )


def downgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.drop_index("ix_parties_gateway")
        batch.drop_column("gateway")
