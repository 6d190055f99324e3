"""Each incident category keeps its Open311 service definition, so the intake form can ask for its attributes.

Revision ID: 0008_service_attributes
Revises: 0007_outbox_actor
Create Date: 2026-11-25

- ``services.attributes_json`` is the definition's attribute list (``GET /services/{code}.json``) as JSON, sorted by
  ``order``: what the intake form asks and what a new request must carry (a forest fire's ``fire_size``). It is
  read from the cache, so the form works offline.
- NULL means the definition was never fetched. Rows from before this revision stay NULL until the next poll of the
  service list, which fetches every definition (a definition that fails to fetch keeps the stored one).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_service_attributes"
down_revision: str | None = "0007_outbox_actor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("services", recreate="never") as batch:
        batch.add_column(sa.Column("attributes_json", sa.Text))
    # The list's validators are forgotten so the next poll gets the whole list (not a 304) and with it the
    # definitions; without this an unchanged list would never bring them.
    op.execute("UPDATE feed_state SET etag = NULL, last_modified = NULL WHERE feed = 'open311_services'")


def downgrade() -> None:
    op.execute("ALTER TABLE services DROP COLUMN attributes_json")
