"""Opening the store: pragmas, WAL, migrations, refusal of newer, corrupt and full databases; the integrity check
reads without writing; two first starts at once."""

from __future__ import annotations

import os
import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import event

from services.errors import StoreCorruptError, StoreFullError, StoreTooNewError
from services.store import Store, open_store
from services.store.database import MIGRATIONS_DIR, alembic_config, make_engine
from services.store.schema import HEAD_REVISION

from tests.services.store.conftest import air
from tests.services.store.damaged_store import (
    build_store,
    crash_image,
    file_digests,
    overwrite_pages,
    pages,
    row_count,
    table_rows,
)
from tests.support.child_process import Child


def _pragma(engine, name: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()


def test_pragmas_are_set_on_both_engines(store: Store) -> None:
    for engine, synchronous in ((store.feed_engine, 1), (store.edit_engine, 2)):  # NORMAL = 1, FULL = 2
        assert _pragma(engine, "journal_mode") == "wal"
        assert _pragma(engine, "foreign_keys") == 1
        assert _pragma(engine, "busy_timeout") == 5000
        assert _pragma(engine, "synchronous") == synchronous


def test_wal_file_exists_while_open(store: Store, store_path: Path) -> None:
    store.ingest_air([air("35t", 0)])
    assert store_path.with_name(store_path.name + "-wal").exists()
    assert store.integrity_check() == "ok"


def test_new_store_is_at_head_and_matches_schema_module(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.store.schema import metadata

    with store.edit_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == HEAD_REVISION
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert script.get_current_head() == HEAD_REVISION


def test_upgrade_in_place_from_0001_keeps_data(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    engine = make_engine(store_path, synchronous="FULL")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001_feeds")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO stations (id, kind, code, name_en) VALUES (1, 'air', '35t', 'City Hall')")
        conn.exec_driver_sql("INSERT INTO air_readings (station_id, observed_at, pm25) VALUES (1, 1000, 42.0)")
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0001_feeds"
    engine.dispose()

    with open_store(store_path) as store:
        latest = store.latest_air()
        assert [(r.code, r.name_en, r.pm25, int(r.observed_at.timestamp())) for r in latest] == [
            ("35t", "City Hall", 42.0, 1000)
        ]
        assert store.incidents_page() == []  # 0002's tables exist
        assert store.counts()["air_readings"] == 1
        with store.edit_engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == HEAD_REVISION


def test_newer_revision_is_refused(store_path: Path) -> None:
    open_store(store_path).close()
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    conn.close()
    with pytest.raises(StoreTooNewError,
                       match=r"newer version of the console \(schema revision 0099_from_the_future\)"):
        open_store(store_path)


def test_file_that_is_not_a_database_is_refused(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"this is not sqlite at all \x00\x01\x02" * 200)
    with pytest.raises(StoreCorruptError, match="is damaged .*run `pao-console store salvage`"):
        open_store(store_path)


def test_damaged_database_is_refused(store_path: Path) -> None:
    with open_store(store_path) as store:
        store.ingest_air([air(f"s{i}", h, name_en="x" * 200) for i in range(50) for h in range(50)])
    data = bytearray(store_path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for page in range(2, len(data) // page_size):  # scribble over every page but the header page
        data[page * page_size + 8 : page * page_size + 200] = b"\xff" * 192
    store_path.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError):
        open_store(store_path)


def test_disk_full_rolls_back_and_raises(store: Store) -> None:
    store.ingest_air([air("35t", 0)])
    with store.feed_engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    store.feed_engine.dispose()

    @event.listens_for(store.feed_engine, "connect")
    def _limit(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 3}")

    big = [air(f"st{i % 50}", h, name_en="n" * 100) for i in range(50) for h in range(400)]
    with pytest.raises(StoreFullError, match="full"):
        store.ingest_air(big)
    assert store.counts()["stations"] == 1
    with store.feed_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM air_readings").scalar_one() == 1


def test_a_damaged_store_with_pending_wal_is_refused_and_its_files_stay_byte_for_byte(tmp_path: Path) -> None:
    original, image = tmp_path / "original" / "console.sqlite3", tmp_path / "image" / "console.sqlite3"
    build_store(original)
    crash_image(original, image)  # edits pending in the WAL, with the -shm of the process that wrote them
    overwrite_pages(image, pages(image, "air_readings")[10:14])
    before = file_digests(image)
    assert None not in before.values()
    with pytest.raises(StoreCorruptError, match="pao-console store salvage"):
        open_store(image)
    assert file_digests(image) == before  # no WAL checkpointed into it, no -wal or -shm deleted or rewritten


def test_a_damaged_store_closed_cleanly_is_refused_without_new_files(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    build_store(path)
    overwrite_pages(path, pages(path, "incident_events")[:1])
    before = file_digests(path)
    with pytest.raises(StoreCorruptError):
        open_store(path)
    assert file_digests(path) == before == {"main": before["main"], "-wal": None, "-shm": None}


def test_pending_wal_content_is_checked_and_kept(tmp_path: Path) -> None:
    original, image = tmp_path / "original" / "console.sqlite3", tmp_path / "image" / "console.sqlite3"
    build_store(original)
    crash_image(original, image)
    expected = table_rows(image)
    with open_store(image) as store:
        assert store.integrity_check() == "ok"
    assert table_rows(image) == expected and len(expected["incidents"]) == 45
    assert row_count(image, "air_readings") > 0


# Each child imports first, says "ready", then waits for "go" on stdin, so both open the new store at once.
_FIRST_START = textwrap.dedent("""
    import sys
    from services.store.database import open_store
    print("ready", flush=True)
    sys.stdin.readline()
    with open_store(sys.argv[1]) as store, store.edit_engine.connect() as conn:
        print("opened", conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one(), flush=True)
""")


def test_two_first_starts_at_the_same_moment_both_open_the_store(tmp_path: Path) -> None:
    for attempt in range(6):
        path = tmp_path / f"round{attempt}" / "demo" / "console.sqlite3"
        children = [Child([sys.executable, "-c", _FIRST_START, str(path)], dict(os.environ),
                          tmp_path / f"round{attempt}-{n}.stderr", stdin=True) for n in range(2)]
        try:
            for child in children:
                assert child.wait_for(lambda line: line == "ready", 60) is not None, child.describe()
            for child in children:
                child.send("go\n")
            for child in children:
                line = child.wait_for(lambda line: line.startswith("opened"), 120)
                assert line == f"opened {HEAD_REVISION}", f"round {attempt}: {child.describe()}"
                assert child.proc.wait(timeout=30) == 0, child.describe()
        finally:
            for child in children:
                child.close()


_WRITER = textwrap.dedent("""
    import sys, time
    from services.store.database import open_store
    from tests.services.store.damaged_store import readings
    store = open_store(sys.argv[1])
    batch = readings(20, 24)
    for n in range(100_000):
        store.ingest_air(batch[n % 10::10])  # small commits, on and on; the feed engine checkpoints as it goes
        store.record_attempt("air4thai", batch[0].observed_at)
        if n == 0:
            print("writing", flush=True)
""")


def test_opening_while_another_process_writes_is_never_taken_for_damage(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    open_store(path).close()
    writer = Child([sys.executable, "-c", _WRITER, str(path)], dict(os.environ), tmp_path / "writer.stderr")
    try:
        assert writer.wait_for(lambda line: line == "writing", 60) is not None, writer.describe()
        for _ in range(15):
            with open_store(path) as store:
                assert store.counts()["stations"] >= 0
            assert writer.proc.poll() is None, writer.describe()
    finally:
        writer.close()
