"""operation_steps.attempts: the hashes of a transaction's earlier attempts at the same nonce (a stuck one
replaced with a higher fee), so that whichever is mined is recognised as the step's

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operation_steps") as batch:
        batch.add_column(sa.Column("attempts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operation_steps") as batch:
        batch.drop_column("attempts")
