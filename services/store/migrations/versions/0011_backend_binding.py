"""A store belongs to one backend: the binding, and the backend each outbox entry was made for.

Revision ID: 0011_backend_binding
Revises: 0010_refusal_acknowledged
Create Date: 2026-12-04

- ``backend_binding`` holds one row: the identity (services.backend_identity) of the backend this store's incidents
  and outbox belong to, set the first time a console opens the store and checked on every later open.
- ``outbox.backend`` is the identity key of the backend an entry was made for; the outbox only sends entries whose
  key is the store's binding. Entries written before this revision get the key when the store is first bound.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_backend_binding"
down_revision: str | None = "0010_refusal_acknowledged"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backend_binding",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("seed", sa.Integer),
        sa.Column("bound_at", sa.Integer, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_backend_binding_single"),
    )
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.add_column(sa.Column("backend", sa.Text))


def downgrade() -> None:
    op.execute("ALTER TABLE outbox DROP COLUMN backend")
    op.drop_table("backend_binding")
