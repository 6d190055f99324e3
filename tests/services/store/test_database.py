"""Opening the store: pragmas, WAL, migrations, refusal of newer, corrupt and full databases."""

from __future__ import annotations

import sqlite3
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
    with pytest.raises(StoreTooNewError, match=r"newer version of the console \(schema revision 0099_from_the_future\)"):
        open_store(store_path)


def test_file_that_is_not_a_database_is_refused(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"this is not sqlite at all \x00\x01\x02" * 200)
    with pytest.raises(StoreCorruptError, match="failed its integrity check.*move it aside"):
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
