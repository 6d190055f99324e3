"""Opening the local SQLite store: engines, pragmas, integrity check, migrations and error translation.

Two engines share one file. The *feed* engine runs with ``synchronous=NORMAL``: feed data can be fetched again, so a
power cut may lose the last commit but never corrupts (WAL). The *edit* engine runs with ``synchronous=FULL`` because
user edits and the outbox must survive a power cut once the UI said "saved". The edit engine also checkpoints the WAL
less often (:data:`EDIT_WAL_AUTOCHECKPOINT`): an edit writes about 15 pages, so with SQLite's default of 1000 pages one
edit in 65 paid for a checkpoint inside its commit; the frequent feed commits do that work instead, and offline the
WAL still stays within about 40 MB.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from services.errors import StoreCorruptError, StoreError, StoreFullError, StoreTooNewError
from services.store.schema import HEAD_REVISION

if TYPE_CHECKING:
    from services.store.store import Store

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26


def open_store(path: Path) -> Store:
    """Open (creating if needed) the store at ``path``, check it, and bring its schema up to date.

    Raises :class:`StoreCorruptError` if the file fails ``PRAGMA quick_check`` or is not a database,
    :class:`StoreTooNewError` if a newer console wrote it, :class:`StoreFullError` if the disk is full.
    """
    from services.store.store import Store  # the facade imports this module; import here to avoid a cycle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    feed_engine = make_engine(path, synchronous="NORMAL")
    edit_engine = make_engine(path, synchronous="FULL", wal_autocheckpoint=EDIT_WAL_AUTOCHECKPOINT)
    try:
        _check_integrity(feed_engine, path)
        with translate_errors(path):
            _migrate(edit_engine, path)
    except BaseException:
        feed_engine.dispose()
        edit_engine.dispose()
        raise
    return Store(path, feed_engine=feed_engine, edit_engine=edit_engine)


EDIT_WAL_AUTOCHECKPOINT = 10_000  # pages (4 KiB): see the module text


def make_engine(path: Path, *, synchronous: str, wal_autocheckpoint: int | None = None) -> Engine:
    """An engine on ``path`` whose every connection gets the store's pragmas and real BEGIN/COMMIT."""
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(path)))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # The pysqlite recipe from the SQLAlchemy docs: turn off the driver's own (DDL-blind) transaction guessing
        # and emit BEGIN ourselves, so migrations and bulk ingests are truly all-or-nothing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout=5000")  # first, so that switching to WAL waits for other writers
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            if wal_autocheckpoint is not None:
                cursor.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction; a full disk becomes :class:`StoreFullError` after the rollback."""
    with translate_errors(Path(engine.url.database or "")):
        with engine.begin() as connection:
            yield connection


@contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's "disk full" and "corrupt" errors into the store's typed errors."""
    try:
        yield
    except DBAPIError as exc:
        code = _primary_code(exc.orig)
        if code == _SQLITE_FULL:
            raise StoreFullError(
                f"the local store at {path} is full (disk or size limit); the last change was not saved"
            ) from exc
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise StoreCorruptError(_corrupt_message(path, str(exc.orig))) from exc
        raise


def _primary_code(error: BaseException | None) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _corrupt_message(path: Path, detail: str) -> str:
    return f"the local store at {path} failed its integrity check: {detail}; move it aside to start fresh"


def _check_integrity(engine: Engine, path: Path) -> None:
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("PRAGMA quick_check").fetchall()
    except DBAPIError as exc:
        if _primary_code(exc.orig) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise StoreCorruptError(_corrupt_message(path, str(exc.orig))) from exc
        raise StoreError(f"the local store at {path} cannot be opened: {exc.orig}") from exc
    problems = [row[0] for row in rows]
    if problems != ["ok"]:
        raise StoreCorruptError(_corrupt_message(path, "; ".join(problems[:5])))


def current_revisions(connection: Connection) -> list[str]:
    """The Alembic revisions recorded in the database (empty for a new file)."""
    has_table = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if has_table is None:
        return []
    return [row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]


def _migrate(engine: Engine, path: Path) -> None:
    with engine.begin() as connection:
        revisions = current_revisions(connection)
        if revisions == [HEAD_REVISION]:
            return  # the common case: skip loading Alembic and reading every revision file
        # Imported here: Alembic's machinery costs tens of milliseconds at start-up and is rarely needed.
        from alembic import command
        from alembic.script import ScriptDirectory

        config = alembic_config(connection)
        script = ScriptDirectory.from_config(config)
        known = {rev.revision for rev in script.walk_revisions()}
        unknown = [rev for rev in revisions if rev not in known]
        if unknown:
            raise StoreTooNewError(
                f"the local store at {path} was written by a newer version of the console (schema revision "
                f"{', '.join(unknown)}); this build knows up to {script.get_current_head()}. Install the newer "
                "console or open another data directory."
            )
        command.upgrade(config, "head")


def alembic_config(connection: Connection):  # -> alembic.config.Config (imported lazily)
    """An Alembic config that runs this package's migrations on ``connection`` (which should be in a transaction)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config
