"""Opening the local SQLite store: engines, pragmas, integrity check, migrations and error translation.

Two engines share one file. The *feed* engine runs with ``synchronous=NORMAL``: feed data can be fetched again, so a
power cut may lose the last commit but never corrupts (WAL). The *edit* engine runs with ``synchronous=FULL`` because
user edits and the outbox must survive a power cut once the UI said "saved". The edit engine also checkpoints the WAL
less often (:data:`EDIT_WAL_AUTOCHECKPOINT`): an edit writes about 15 pages, so with SQLite's default of 1000 pages one
edit in 65 paid for a checkpoint inside its commit; the frequent feed commits do that work instead, and offline the
WAL still stays within about 40 MB.

An existing file is checked read-only before anything may write to it (:func:`check_integrity`): a read-write
connection to a damaged store would checkpoint its pending ``-wal`` into the damaged file and, on close, delete the
``-wal`` and ``-shm``, so the file kept for salvage (services.store.salvage) would no longer be the one that broke.

Every SQLite error about the file itself (full, I/O, locked, read-only, damaged) becomes a typed
:class:`~services.errors.StoreError` whose message names the store and what happened, never SQL or its parameters:
both engines translate in their ``handle_error`` hook, so reads and writes alike are covered.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError

from services.errors import (
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreTooNewError,
)
from services.store.schema import HEAD_REVISION

if TYPE_CHECKING:
    from services.store.store import Store

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

BUSY_TIMEOUT_MS = 5000
#: How long opening waits for another process's migration of the same store (two first starts at once). Long
#: enough for a whole migration of a big store; a store held longer than this is reported as in use.
MIGRATION_BUSY_TIMEOUT_MS = 120_000
EDIT_WAL_AUTOCHECKPOINT = 10_000  # pages (4 KiB): see the module text
SALVAGE_COMMAND = "pao-console store salvage"

_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
_SQLITE_IOERR_READS = (10 | (1 << 8), 10 | (2 << 8))  # SQLITE_IOERR_READ, SQLITE_IOERR_SHORT_READ
_CORRUPT_CODES = (_SQLITE_CORRUPT, _SQLITE_NOTADB)

_BEGIN_OPTION = "store_begin"  # execution option: "IMMEDIATE" takes the write lock at BEGIN (see _migrate)
_CHECK_ATTEMPTS = 3


def open_store(path: Path) -> Store:
    """Open (creating if needed) the store at ``path``, check it, and bring its schema up to date.

    Raises :class:`StoreCorruptError` if the file fails ``PRAGMA quick_check`` or is not a database (the file and its
    ``-wal``/``-shm`` are then exactly as they were), :class:`StoreTooNewError` if a newer console wrote it, and the
    other :class:`StoreError` kinds when the file is full, locked, read-only or cannot be read or written.
    """
    from services.store.store import Store  # the facade imports this module; import here to avoid a cycle

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"the local store at {path} cannot be created: {exc.strerror or exc}") from exc
    if not _is_new(path):
        check_integrity(path)
    feed_engine = make_engine(path, synchronous="NORMAL")
    edit_engine = make_engine(path, synchronous="FULL", wal_autocheckpoint=EDIT_WAL_AUTOCHECKPOINT)
    try:
        with translate_errors(path):
            _migrate(edit_engine, path)
    except BaseException:
        feed_engine.dispose()
        edit_engine.dispose()
        raise
    return Store(path, feed_engine=feed_engine, edit_engine=edit_engine)


def make_engine(path: Path, *, synchronous: str, wal_autocheckpoint: int | None = None) -> Engine:
    """An engine on ``path`` whose every connection gets the store's pragmas, real BEGIN/COMMIT, and typed errors."""
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(path)))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # The pysqlite recipe from the SQLAlchemy docs: turn off the driver's own (DDL-blind) transaction guessing
        # and emit BEGIN ourselves, so migrations and bulk ingests are truly all-or-nothing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: switching to WAL waits for writers
            _switch_to_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            if wal_autocheckpoint is not None:
                cursor.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_BEGIN_OPTION) == "IMMEDIATE":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        typed = store_error(path, context.original_exception)
        if typed is not None:
            raise typed  # SQLAlchemy raises it "from" the driver's error, after its own cleanup

    return engine


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            # Two first starts at once: while one switches the new file to WAL, the other's switch fails at once
            # with SQLITE_BUSY, without waiting in the busy handler. Wait here instead; then it is WAL already.
            if _primary_code(exc) != _SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction, holding the write lock from its BEGIN (IMMEDIATE): a transaction that reads and then
    writes would otherwise fail at once, without waiting, when another connection wrote in between. A full disk, an
    I/O error or a lock held elsewhere for longer than the busy timeout becomes the matching :class:`StoreError`
    after the rollback."""
    with translate_errors(Path(engine.url.database or "")):
        with engine.connect() as connection:
            with connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}).begin():
                yield connection


@contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Turn SQLite errors about the store file into the store's typed errors (see :func:`store_error`); the
    engines do this already, this covers driver-level calls and engines made elsewhere."""
    try:
        yield
    except DBAPIError as exc:
        typed = store_error(path, exc.orig)
        if typed is None:
            raise
        raise typed from exc
    except sqlite3.Error as exc:
        typed = store_error(path, exc)
        if typed is None:
            raise
        raise typed from exc


def store_error(path: Path | str, error: BaseException | None) -> StoreError | None:
    """The typed error for a SQLite error about the store file at ``path``, or None when the error is not about
    the file (a constraint or an SQL mistake is a bug and stays as it is). The message says what happened in words;
    it never holds SQL, parameters or links."""
    if not isinstance(error, sqlite3.Error):
        return None
    code = _primary_code(error)
    if code == _SQLITE_FULL:
        return StoreFullError(
            f"the local store at {path} is full (the disk or the database's size limit); the last change was not "
            "saved")
    if code in _CORRUPT_CODES:
        return StoreCorruptError(_corrupt_message(path, str(error)))
    if code == _SQLITE_IOERR:
        if getattr(error, "sqlite_errorcode", None) in _SQLITE_IOERR_READS:
            return StoreIOError(
                f"the local store at {path} could not be read: the operating system refused the read (a failing "
                "disk, or the file was cut short)")
        return StoreIOError(
            f"the local store at {path} could not be written: the operating system refused the write (a file-size "
            "limit, a disk quota or a failing disk); the last change was not saved")
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreBusyError(
            f"the local store at {path} is in use by another program (another console or an import on the same "
            "data directory), which kept it locked too long; nothing was changed, try again when it has finished")
    if code == _SQLITE_READONLY:
        return StoreError(
            f"the local store at {path} cannot be written: the file, its folder or the disk is read-only; the last "
            "change was not saved")
    if code in (_SQLITE_CANTOPEN, _SQLITE_PERM):
        return StoreError(
            f"the local store at {path} cannot be opened: the file or its folder is missing or not accessible")
    return None


def _primary_code(error: BaseException | None) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _corrupt_message(path: Path | str, detail: str) -> str:
    return (f"the local store at {path} is damaged ({detail}); run `{SALVAGE_COMMAND}` to copy what can be read into "
            "a fresh store (the damaged file is kept, renamed)")


# --- the read-only integrity check ------------------------------------------------------------------------------


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _is_new(path: Path) -> bool:
    """Nothing to check: no file yet, or an empty one without WAL content (another start is creating it)."""
    size = _size(path)
    return size is None or (size == 0 and not _size(_sibling(path, "-wal")))


class _FilesChanged(StoreBusyError):
    """Another program wrote the store while it was read without locks; the reading must be done again."""


def _signature(path: Path) -> tuple[object, ...]:
    """What changes when a program writes the store: the main file's identity, size and time, and its companions."""
    try:
        stat = path.stat()
        main: tuple[object, ...] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except FileNotFoundError:
        main = ()
    return (main, _size(_sibling(path, "-wal")), _sibling(path, "-shm").exists(), _size(_sibling(path, "-journal")))


@contextmanager
def read_only_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A sqlite3 connection to an existing store that writes none of its files: no WAL switch, no checkpoint, no
    deletion or rewrite of ``-wal`` and ``-shm``.

    - No WAL content (a store closed cleanly): the main file is the whole database, read as ``immutable``, without
      locks. Another program might start writing meanwhile, so the files are compared before and after; when they
      changed, :class:`StoreBusyError` is raised (:func:`check_integrity` then reads again, with locks).
    - WAL content and its ``-shm``: ``mode=ro`` with ``readonly_shm``. With no other connection, SQLite reads the
      WAL into private memory; with one (a running console), it reads through the shared index, with locks.
    - WAL content without a ``-shm`` (copied without it): ``mode=ro``, which creates the ``-shm`` index and leaves
      the main file and the WAL as they are.
    """
    path = Path(path)
    before = _signature(path)
    immutable = not before[1]
    if immutable:
        query = "immutable=1"
    elif before[2]:
        query = "mode=ro&readonly_shm=1"
    else:
        query = "mode=ro"
    changed = _FilesChanged(f"the local store at {path} is in use by another program, which wrote to it while it "
                            "was being read")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except sqlite3.Error as exc:
        if _signature(path) != before:  # e.g. the last other connection closed and removed the -wal meanwhile
            raise changed from exc
        raise (store_error(path, exc) or StoreError(f"the local store at {path} cannot be opened")) from exc
    try:
        yield connection
    finally:
        connection.close()
        if immutable and _signature(path) != before:
            raise changed


def check_integrity(path: Path) -> None:
    """``PRAGMA quick_check`` on an existing store through :func:`read_only_connection`.

    Raises :class:`StoreCorruptError` (its message names the salvage command) when the file is damaged or not a
    database; other failures to read become the matching :class:`StoreError`.
    """
    for attempt in range(_CHECK_ATTEMPTS):
        try:
            with read_only_connection(path) as connection:
                try:
                    problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
                except sqlite3.Error as exc:
                    raise (store_error(path, exc) or StoreError(f"the local store at {path} cannot be read")) from exc
                if problems != ["ok"]:
                    raise StoreCorruptError(_corrupt_message(path, "; ".join(problems[:5])))
            return
        except _FilesChanged:
            if attempt == _CHECK_ATTEMPTS - 1:
                raise


# --- migrations -------------------------------------------------------------------------------------------------


def current_revisions(connection: Connection) -> list[str]:
    """The Alembic revisions recorded in the database (empty for a new file)."""
    has_table = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if has_table is None:
        return []
    return [row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]


def _migrate(engine: Engine, path: Path) -> None:
    with engine.connect() as connection:
        if current_revisions(connection) == [HEAD_REVISION]:
            return  # the common case: no write lock, and no loading of Alembic and every revision file
    with engine.connect() as connection:
        # Two first starts at once must not both migrate: take the write lock before reading the revision (a plain
        # BEGIN would fail with "database is locked" when both try to upgrade their read lock), wait long enough for
        # the other process's whole migration, and read the revision again under the lock.
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute(f"PRAGMA busy_timeout={MIGRATION_BUSY_TIMEOUT_MS}")
        try:
            with connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}).begin():
                _upgrade(connection, path)
        finally:
            driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _upgrade(connection: Connection, path: Path) -> None:
    revisions = current_revisions(connection)
    if revisions == [HEAD_REVISION]:
        return  # another process migrated it while this one waited for the lock
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
