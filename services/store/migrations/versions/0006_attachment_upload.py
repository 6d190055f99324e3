"""Attachments reach the backend: the server's media id and the time the upload was confirmed.

Revision ID: 0006_attachment_upload
Revises: 0005_incident_workflow
Create Date: 2026-11-25

- ``attachments.server_media_id`` is the backend's id of the uploaded file (``media_id`` of the Open311 media
  extension); ``attachments.server_url`` (from 0005) takes the URL it is served at, and ``synced`` becomes 1.
- ``attachments.sent_at`` is when the outbox recorded the server's answer (unix seconds, UTC), so "sent" is a fact
  with a time, not a flag.
- Attachments stored before this revision were marked done in the outbox without an upload (the backend had no
  media endpoint); their entries are queued again (same idempotency key: they were never sent), so the files reach
  the backend now that it has one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_attachment_upload"
down_revision: str | None = "0005_incident_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("server_media_id", "sent_at")


def upgrade() -> None:
    with op.batch_alter_table("attachments", recreate="never") as batch:
        batch.add_column(sa.Column("server_media_id", sa.Text))
        batch.add_column(sa.Column("sent_at", sa.Integer))
    op.execute("UPDATE incidents SET local_changes = local_changes + (SELECT count(*) FROM outbox AS o "
               "WHERE o.incident_id = incidents.id AND o.op = 'attachment' AND o.state = 'sent')")
    op.execute("UPDATE outbox SET state = 'pending' WHERE op = 'attachment' AND state = 'sent'")


def downgrade() -> None:
    # SQLite 3.35+ drops a plain column in place; a batch rebuild would copy every attachment's BLOB for nothing.
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE attachments DROP COLUMN {column}")
