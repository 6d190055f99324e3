"""An index on the outbox by incident: the sender asks per incident (what waits behind a create, what to rebase
after a write, whether a create is still pending), and sent entries are never pruned, so without it those questions
scan the whole outbox.

Revision ID: 0009_outbox_incident_index
Revises: 0008_service_attributes
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_outbox_incident_index"
down_revision: str | None = "0008_service_attributes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_incident_state", "outbox", ["incident_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_outbox_incident_state", table_name="outbox")
