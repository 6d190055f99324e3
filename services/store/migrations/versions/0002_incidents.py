"""Incidents: the Open311 service list, incidents with their event history, and the outbox of local edits.

Revision ID: 0002_incidents
Revises: 0001_feeds
Create Date: 2026-01-24

``incidents.id`` is local; ``server_id`` stays NULL until the backend has accepted the incident. ``outbox.id`` uses
AUTOINCREMENT because it is the send order and must never be reused.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_incidents"
down_revision: str | None = "0001_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("service_code", sa.Text, primary_key=True),
        sa.Column("service_name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("group_", sa.Text),
        sa.Column("keywords", sa.Text),
        sa.Column("metadata", sa.Integer, nullable=False, server_default="0"),
        sa.Column("type", sa.Text),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("server_id", sa.Text, unique=True),
        sa.Column("service_code", sa.Text),
        sa.Column("service_name", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("workflow_state", sa.Text),
        sa.Column("priority", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("address", sa.Text),
        sa.Column("district_code", sa.Text),
        sa.Column("requested_at", sa.Integer),
        sa.Column("updated_at", sa.Integer, nullable=False),
        sa.Column("expected_at", sa.Integer),
        sa.Column("agency", sa.Text),
        sa.Column("assignee", sa.Text),
        sa.Column("media_url", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("version", sa.Integer),
        sa.Column("local_changes", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_incidents_status"),
    )
    op.create_index("ix_incidents_updated", "incidents", ["updated_at", "id"])
    op.create_index("ix_incidents_status_updated", "incidents", ["status", "updated_at", "id"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("at", sa.Integer, nullable=False),
        sa.Column("before_json", sa.Text),
        sa.Column("after_json", sa.Text),
        sa.Column("server_update_id", sa.Text, unique=True),
    )
    op.create_index("ix_incident_events_incident_at", "incident_events", ["incident_id", "at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("op", sa.Text, nullable=False),
        sa.Column("base_version", sa.Integer),
        sa.Column("fields_json", sa.Text),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("last_attempt_at", sa.Integer),
        sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'conflict', 'failed')", name="ck_outbox_state"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_state_id", "outbox", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_id", "outbox")
    op.drop_table("outbox")
    op.drop_index("ix_incident_events_incident_at", "incident_events")
    op.drop_table("incident_events")
    op.drop_index("ix_incidents_status_updated", "incidents")
    op.drop_index("ix_incidents_updated", "incidents")
    op.drop_table("incidents")
    op.drop_table("services")
