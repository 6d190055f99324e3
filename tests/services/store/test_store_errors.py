"""Store failures reach people in words: a file-size limit, a lock held by another program, a read-only store and a
damaged page each become a typed StoreError naming the store and what happened, never SQL, parameters or links, and
nothing of the failed change is kept."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, event

from services.errors import StoreBusyError, StoreCorruptError, StoreError
from services.store import Store, open_store
from services.store import database
from services.store.database import alembic_config, make_engine

from tests.services.store.conftest import air
from tests.services.store.damaged_store import NOW, local_incidents, overwrite_pages, pages, readings

ROOT = Path(__file__).resolve().parents[3]
RAW_TRACES = ("INSERT", "UPDATE", "SELECT", "[parameters", "sqlalche.me", "http", "(Background on this error")


def _in_words(error: BaseException, path: Path) -> str:
    message = str(error)
    assert str(path) in message, message
    for trace in RAW_TRACES:
        assert trace not in message, message
    return message


def _set_on_connect(engine: Engine, pragma: str) -> None:
    """Every new connection of ``engine`` also runs ``pragma`` (after the store's own pragmas)."""
    engine.dispose()
    event.listen(engine, "connect", lambda dbapi_connection, _record: dbapi_connection.execute(pragma))


@pytest.fixture
def held(store_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program's connection to the store, holding it locked with BEGIN EXCLUSIVE until the test ends."""
    other = sqlite3.connect(store_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_a_file_size_limit_is_an_io_error_in_words_and_nothing_is_kept(store_path: Path) -> None:
    with open_store(store_path) as store:
        store.ingest_air([air("35t", 0)])
    # A child process, since the limit holds for the whole process: SIGXFSZ ignored, so write() fails with EFBIG.
    script = textwrap.dedent(f"""
        import json, resource, signal, sys
        from services.errors import StoreError
        from services.store import open_store
        from tests.services.store.damaged_store import readings
        store = open_store({str(store_path)!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
        try:
            store.ingest_air(readings(50, 200))
        except StoreError as exc:
            print(json.dumps({{"type": type(exc).__name__, "message": str(exc)}}))
        else:
            print(json.dumps({{"type": None}}))
    """)
    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout.splitlines()[-1])
    assert outcome["type"] == "StoreIOError"
    assert "could not be written" in outcome["message"] and "file-size limit" in outcome["message"]
    _in_words(Exception(outcome["message"]), store_path)
    with open_store(store_path) as store:
        assert store.counts()["air_readings"] == 1


def test_a_store_held_by_another_program_is_busy_in_words_on_every_write_path(
        store: Store, store_path: Path, held: sqlite3.Connection) -> None:
    for engine in (store.feed_engine, store.edit_engine):
        _set_on_connect(engine, "PRAGMA busy_timeout=100")  # not the store's 5 s: the test need not wait that long
    attempts = {
        "ingest (feed engine)": lambda: store.ingest_air([air("35t", 1)]),
        "feed state": lambda: store.record_failure("air4thai", NOW, "HTTP 503"),
        "local edit (edit engine)": lambda: local_incidents(store, 1),
        "row counts": store.recount,
    }
    for name, attempt in attempts.items():
        with pytest.raises(StoreBusyError) as busy:
            attempt()
        assert "is in use by another program" in _in_words(busy.value, store_path), name
    held.execute("ROLLBACK")
    held.execute("BEGIN")  # the fixture's ROLLBACK needs a transaction
    assert store.counts()["air_readings"] == 0 and store.get_feed_states() == [] and store.outbox_states() == {}
    local_incidents(store, 1)
    assert sum(store.outbox_states().values()) == 3


def test_a_migration_waiting_for_another_program_is_busy_in_words(
        store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_path.parent.mkdir(parents=True)
    engine = make_engine(store_path, synchronous="FULL")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0010_refusal_acknowledged")
    engine.dispose()
    monkeypatch.setattr(database, "MIGRATION_BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(store_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreBusyError) as busy:
            open_store(store_path)
        assert "is in use by another program" in _in_words(busy.value, store_path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    open_store(store_path).close()  # once the other program lets go, the migration runs


def test_a_read_only_store_says_so(store: Store, store_path: Path) -> None:
    store.ingest_air([air("35t", 0)])
    _set_on_connect(store.feed_engine, "PRAGMA query_only=1")  # SQLite's own read-only refusal
    with pytest.raises(StoreError) as refused:
        store.ingest_air([air("35t", 1)])
    assert type(refused.value) is StoreError
    assert "cannot be written" in _in_words(refused.value, store_path) and "read-only" in str(refused.value)


def test_a_page_damaged_while_open_is_refused_on_read_with_the_salvage_command(store_path: Path) -> None:
    with open_store(store_path) as store:
        store.ingest_air(readings(40, 100))
    with open_store(store_path) as store:
        store.feed_engine.dispose()  # no page of it cached
        overwrite_pages(store_path, pages(store_path, "air_readings"))
        with pytest.raises(StoreCorruptError) as damaged:
            store.latest_air()
        assert "`pao-console store salvage`" in _in_words(damaged.value, store_path)

