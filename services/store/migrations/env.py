"""Alembic environment for the local store.

``services.store.database`` runs the migrations itself and hands over an open connection (already inside a
transaction) through ``config.attributes["connection"]``, so the whole upgrade commits or rolls back as one.
There is no alembic.ini and no logging setup here on purpose: the console owns logging.
"""

from __future__ import annotations

from alembic import context

from services.store.schema import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("the store migrations need a connection in config.attributes['connection']")
    # render_as_batch: SQLite can only alter tables by rebuilding them, which batch mode does.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported for the local store")
run_migrations_online()
