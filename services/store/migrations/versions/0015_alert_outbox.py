"""Alerts reach the backend: the outbox's alert entries, and silences known by a uid everywhere.

Revision ID: 0015_alert_outbox
Revises: 0014_alerts
Create Date: 2026-12-05

- ``alert_outbox``: the outbox's alert side (services.store.alert_outbox). The incident outbox (``outbox``) is one
  row per change of one *incident* (``incident_id`` NOT NULL, counted in its ``local_changes``, merged and resolved
  field by field); an alert change names no incident, so its entries live here, with the same columns that matter
  (idempotency key, send order, state, attempts, last error, actor, backend) and the same drain sends them.
- ``alert_silences.uid``: what a silence is known by on the backend and on every console (uuid4 hex; filled for the
  silences made before this revision).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_alert_outbox"
down_revision: str | None = "0014_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("op", sa.Text, nullable=False),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE")),
        sa.Column("silence_id", sa.Integer, sa.ForeignKey("alert_silences.id", ondelete="CASCADE")),
        sa.Column("fields_json", sa.Text),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("last_attempt_at", sa.Integer),
        sa.Column("actor", sa.Text),
        sa.Column("acknowledged_at", sa.Integer),
        sa.Column("backend", sa.Text),
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name="ck_alert_outbox_state"),
        sa.CheckConstraint("op IN ('alert', 'acknowledge', 'silence', 'end_silence')", name="ck_alert_outbox_op"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alert_outbox_state_id", "alert_outbox", ["state", "id"])
    op.create_index("ix_alert_outbox_alert", "alert_outbox", ["alert_id", "state"])
    with op.batch_alter_table("alert_silences") as batch:
        batch.add_column(sa.Column("uid", sa.Text))
    op.execute("UPDATE alert_silences SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL")
    op.create_index("uq_alert_silences_uid", "alert_silences", ["uid"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_alert_silences_uid", table_name="alert_silences")
    with op.batch_alter_table("alert_silences") as batch:
        batch.drop_column("uid")
    op.drop_index("ix_alert_outbox_alert", table_name="alert_outbox")
    op.drop_index("ix_alert_outbox_state_id", table_name="alert_outbox")
    op.drop_table("alert_outbox")
