"""A refused edit can be acknowledged: the operator has seen why the server refused it.

Revision ID: 0010_refusal_acknowledged
Revises: 0009_outbox_incident_index
Create Date: 2026-11-25

- ``outbox.acknowledged_at`` (unix seconds, UTC) is set when a person acknowledges a refused ('failed') entry in the
  Conflicts dock; the entry, its fields and the timeline stay as they are, it only leaves the list and the status
  bar's "refused" count. NULL for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_refusal_acknowledged"
down_revision: str | None = "0009_outbox_incident_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.Integer))


def downgrade() -> None:
    op.execute("ALTER TABLE outbox DROP COLUMN acknowledged_at")
