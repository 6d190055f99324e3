"""Incident workflow: SLA pause columns, reporters, merges, attachments, links, queue indexes and full-text search.

Revision ID: 0005_incident_workflow
Revises: 0004_air_hourly
Create Date: 2026-12-01

- The queue sorts and filters a million incidents in SQL, so every sortable column gets an index that orders it
  completely (ties by age, then id).
  They are partial (``WHERE merged_into IS NULL``): merged incidents never show in the queue, and every queue query
  repeats that condition, which is what lets SQLite use a partial index.
- ``incidents_fts`` is an external-content FTS5 table over the incidents' text columns with the trigram tokenizer:
  Thai has no spaces between words, so word tokenizers cannot find a Thai substring; trigrams can (3+ characters).
  Triggers keep it in step with inserts, updates of the indexed columns and deletes.
- Attachments are BLOBs in the store, not files beside it: one transaction covers the row, its event and its outbox
  entry, and a backup of the store is a backup of everything.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_incident_workflow"
down_revision: str | None = "0004_air_hourly"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Queue sort/filter indexes: name -> columns, each partial on merged_into IS NULL (mirrored in schema.py). SQLite
#: appends the rowid (id) to every index entry, so (priority, requested_at) orders "priority, age, id" completely.
QUEUE_INDEXES = {
    "ix_incidents_q_requested": ("requested_at",),
    "ix_incidents_q_priority": ("priority", "requested_at"),
    "ix_incidents_q_category": ("service_code", "requested_at"),
    "ix_incidents_q_status": ("status", "requested_at"),
    "ix_incidents_q_state": ("workflow_state", "requested_at"),
    "ix_incidents_q_district": ("district_code", "requested_at"),
    "ix_incidents_q_expected": ("expected_at",),
    "ix_incidents_q_assignee": ("assignee", "requested_at"),
    "ix_incidents_q_source": ("source", "requested_at"),
}

FTS_COLUMNS = ("description", "service_name", "address", "reporter_name", "server_id")
_COLS = ", ".join(FTS_COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in FTS_COLUMNS)

FTS_DDL = (
    f"CREATE VIRTUAL TABLE incidents_fts USING fts5({_COLS}, content='incidents', content_rowid='id', "
    "tokenize='trigram', columnsize=0)",
    f"CREATE TRIGGER incidents_fts_ai AFTER INSERT ON incidents BEGIN "
    f"INSERT INTO incidents_fts (rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER incidents_fts_ad AFTER DELETE ON incidents BEGIN "
    f"INSERT INTO incidents_fts (incidents_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER incidents_fts_au AFTER UPDATE OF {_COLS} ON incidents BEGIN "
    f"INSERT INTO incidents_fts (incidents_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO incidents_fts (rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
)


def upgrade() -> None:
    with op.batch_alter_table("incidents", recreate="never") as batch:
        batch.add_column(sa.Column("reporter_name", sa.Text))
        batch.add_column(sa.Column("reporter_contact", sa.Text))
        batch.add_column(sa.Column("sla_paused_s", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("sla_paused_since", sa.Integer))
        batch.add_column(sa.Column("resumed_state", sa.Text))
    # SQLite's ALTER TABLE ADD COLUMN accepts a REFERENCES clause (with a NULL default), so no table rebuild.
    op.execute("ALTER TABLE incidents ADD COLUMN merged_into INTEGER REFERENCES incidents (id)")
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(name, "incidents", list(columns), sqlite_where=sa.text("merged_into IS NULL"))
    op.create_index("ix_incidents_latlon", "incidents", ["lat", "lon"])
    op.create_index("ix_incidents_merged_into", "incidents", ["merged_into"])
    for statement in FTS_DDL:
        op.execute(statement)
    op.execute("INSERT INTO incidents_fts (incidents_fts) VALUES ('rebuild')")  # index the incidents already here
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("media_type", sa.Text),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("thumbnail", sa.LargeBinary),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("server_url", sa.Text),
        sa.Column("synced", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("kind IN ('photo', 'after_photo', 'file')", name="ck_attachments_kind"),
    )
    op.create_index("ix_attachments_incident", "attachments", ["incident_id", "id"])
    op.create_table(
        "incident_links",
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("other_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "other_id", "kind"),
        sa.CheckConstraint("kind IN ('merged', 'related')", name="ck_incident_links_kind"),
    )
    op.create_index("ix_incident_links_other", "incident_links", ["other_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_links_other", "incident_links")
    op.drop_table("incident_links")
    op.drop_index("ix_attachments_incident", "attachments")
    op.drop_table("attachments")
    for trigger in ("incidents_fts_ai", "incidents_fts_ad", "incidents_fts_au"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE incidents_fts")
    op.drop_index("ix_incidents_merged_into", "incidents")
    op.drop_index("ix_incidents_latlon", "incidents")
    for name in QUEUE_INDEXES:
        op.drop_index(name, "incidents")
    with op.batch_alter_table("incidents", recreate="always") as batch:  # a column with a foreign key cannot be dropped
        for column in ("merged_into", "resumed_state", "sla_paused_since", "sla_paused_s", "reporter_contact",
                       "reporter_name"):
            batch.drop_column(column)
