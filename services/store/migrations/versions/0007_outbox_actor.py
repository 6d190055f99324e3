"""The outbox remembers who made each change, so it is sent with that person's role.

Revision ID: 0007_outbox_actor
Revises: 0006_attachment_upload
Create Date: 2026-11-25

- ``outbox.actor`` is the change's author as the timeline records it ("user (role)"). A supervisor's close queued
  offline is sent with the supervisor's credentials even when an operator is at the console when the network returns,
  and an operator's edits are not recorded on the server as the supervisor's.
- Entries queued before this revision take the author of their timeline event when one matches (same incident, same
  second); the rest stay NULL and go with the acting role, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_outbox_actor"
down_revision: str | None = "0006_attachment_upload"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.add_column(sa.Column("actor", sa.Text))
    op.execute(
        "UPDATE outbox SET actor = (SELECT e.actor FROM incident_events AS e WHERE e.incident_id = outbox.incident_id "
        "AND e.at = outbox.created_at AND e.actor IS NOT NULL ORDER BY e.id LIMIT 1) WHERE actor IS NULL"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE outbox DROP COLUMN actor")
