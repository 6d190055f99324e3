"""Major incidents: a ``parent`` link from a major incident to each of its children, and the major-incident flag.

Revision ID: 0012_major_incidents
Revises: 0011_backend_binding
Create Date: 2026-12-05

- ``incident_links.kind`` also takes ``'parent'``: (incident_id = the major incident, other_id = a child). SQLite
  cannot change a CHECK constraint in place, so the table is rebuilt with its rows, key and index.
- ``incidents.major_incident`` (0/1): the incident was promoted to a major incident (it may have no children yet).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_major_incidents"
down_revision: str | None = "0011_backend_binding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild_links(kinds: str) -> None:
    op.create_table(
        "incident_links_new",
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("other_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "other_id", "kind"),
        sa.CheckConstraint(f"kind IN ({kinds})", name="ck_incident_links_kind"),
    )
    op.execute("INSERT INTO incident_links_new (incident_id, other_id, kind, created_at) "
               f"SELECT incident_id, other_id, kind, created_at FROM incident_links WHERE kind IN ({kinds})")
    op.drop_index("ix_incident_links_other", "incident_links")
    op.drop_table("incident_links")
    op.rename_table("incident_links_new", "incident_links")
    op.create_index("ix_incident_links_other", "incident_links", ["other_id"])


def upgrade() -> None:
    _rebuild_links("'merged', 'related', 'parent'")
    with op.batch_alter_table("incidents", recreate="never") as batch:
        batch.add_column(sa.Column("major_incident", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.execute("ALTER TABLE incidents DROP COLUMN major_incident")
    _rebuild_links("'merged', 'related'")
