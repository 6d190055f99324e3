"""Salvage of really damaged stores: unsent edits and local incidents come back in a fresh store, what could not be
read is named, and the damaged files are kept byte for byte."""

from __future__ import annotations

import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command

from services.errors import StoreCorruptError
from services.store import QueueFilter, QueueSort, open_store
from services.store.database import alembic_config, make_engine
from services.store.salvage import salvage_store

from tests.services.store.damaged_store import (
    EDIT_TABLES,
    NOW,
    TRAINING,
    build_store,
    crash_image,
    file_digests,
    overwrite_pages,
    pages,
    row_count,
    table_rows,
)


@pytest.fixture
def image(tmp_path: Path) -> Path:
    """A crash image of a store whose newest edits are only in its WAL."""
    original = tmp_path / "original" / "console.sqlite3"
    build_store(original)
    crashed = tmp_path / "data" / "demo" / "console.sqlite3"
    crash_image(original, crashed)
    assert crashed.with_name("console.sqlite3-wal").stat().st_size > 0
    return crashed


def _reopens_as_the_console_would(path: Path) -> None:
    with open_store(path) as store:
        assert store.bind_backend(TRAINING) == "same"
        assert store.integrity_check() == "ok"
        with store.edit_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_pages_overwritten_in_the_middle_lose_feed_rows_only_and_name_them(image: Path) -> None:
    expected = table_rows(image)
    total_readings = row_count(image, "air_readings")
    leaves = pages(image, "air_readings")
    middle = len(leaves) // 2
    overwrite_pages(image, leaves[middle - 3: middle + 3])
    damaged = file_digests(image)
    with pytest.raises(StoreCorruptError, match="pao-console store salvage"):
        open_store(image)

    report = salvage_store(image, now=NOW)

    assert report.store == image and report.kept_as.name == "console.set-aside-20261204T080000Z.sqlite3"
    assert file_digests(report.kept_as) == damaged  # moved aside untouched, with its -wal and -shm
    assert table_rows(image) == expected  # every unsent edit, local incident, event, photo, link, the binding
    assert report.unsent == {"pending": len([r for r in expected["outbox"] if r[7] == "pending"]), "conflict": 1}
    assert report.unsent_lost == () and report.incidents == report.local_incidents == len(expected["incidents"])
    assert not report.complete
    by_table = {t.table: t for t in report.tables}
    assert all(by_table[t].complete for t in EDIT_TABLES)
    readings = by_table["air_readings"]
    assert 0 < readings.copied < total_readings
    assert len(readings.lost) == 1 and readings.lost[0].after is not None and readings.lost[0].before is not None
    assert [line.split(":")[0] for line in report.problems()] == ["air_readings"]
    assert "malformed" in report.problems()[0]
    _reopens_as_the_console_would(image)
    with open_store(image) as store:
        assert store.counts()["air_readings"] == readings.copied
        found = store.incident_queue_ids(QueueFilter(text="ดอยสุเทพ จุดที่ 502"), QueueSort())
        assert len(found) == 1  # the full-text index was rebuilt from the copied incidents


def test_a_file_cut_short_keeps_the_edits_held_in_its_wal(image: Path) -> None:
    expected = table_rows(image)
    # Cut in the middle of the feed data, which fills the end of the file (the edits sit in the lower pages, or in
    # the WAL): a cut at a fixed share of the size would move with every table a migration adds.
    readings = pages(image, "air_readings")
    os.truncate(image, readings[len(readings) // 2] * 4096)

    report = salvage_store(image, now=NOW)

    assert table_rows(image) == expected
    (lost,) = report.problems()
    assert lost.startswith("air_readings: rows after station_id") and "to the end" in lost
    _reopens_as_the_console_would(image)


def test_lost_pages_of_the_outbox_and_the_incidents_are_named(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    build_store(path)  # closed cleanly: no WAL, so the main file is read as it is
    expected = table_rows(path)
    outbox_leaves, incident_leaves = pages(path, "outbox"), pages(path, "incidents")
    assert len(outbox_leaves) > 3 and len(incident_leaves) > 1
    overwrite_pages(path, [outbox_leaves[len(outbox_leaves) // 2], incident_leaves[0]])
    damaged = file_digests(path)

    report = salvage_store(path, now=NOW)

    assert file_digests(report.kept_as) == damaged and damaged["-wal"] is None
    got = table_rows(path)
    kept_incidents = {row[0] for row in got["incidents"]}
    assert kept_incidents and kept_incidents < {row[0] for row in expected["incidents"]}
    # Whatever came back is exactly as it was; what did not is named.
    assert set(got["incidents"]) <= set(expected["incidents"]) and set(got["outbox"]) <= set(expected["outbox"])
    unsent_before = {row[0] for row in expected["outbox"] if row[7] in ("pending", "conflict")}
    unsent_after = {row[0] for row in got["outbox"] if row[7] in ("pending", "conflict")}
    assert report.unsent_lost == tuple(sorted(unsent_before - unsent_after)) != ()
    by_table = {t.table: t for t in report.tables}
    (outbox_gap,) = by_table["outbox"].lost
    assert outbox_gap.after is not None and outbox_gap.before is not None
    gap_ids = set(range(outbox_gap.after[0][1] + 1, outbox_gap.before[0][1]))
    assert gap_ids and gap_ids <= set(report.unsent_lost)
    assert by_table["incidents"].lost[0].after is None  # its first page: "from the start"
    # Events, entries and photos of the lost incidents cannot stand alone: dropped, and counted.
    assert all(row[1] in kept_incidents for row in got["incident_events"])
    assert by_table["incident_events"].orphaned == len(expected["incident_events"]) - len(got["incident_events"]) > 0
    assert any("dropped: its incidents row was lost" in line for line in report.problems())
    _reopens_as_the_console_would(path)
    with open_store(path) as store:  # outbox ids are the send order: never given out again
        incident = next(iter(kept_incidents))
        store.add_comment_local(incident, "after the salvage", "somchai (operator)", NOW + timedelta(days=1))
        newest = max(row[0] for row in table_rows(path, ("outbox",))["outbox"])
    assert newest > max(row[0] for row in expected["outbox"])


def test_a_file_that_is_no_database_leaves_an_empty_store_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    path.write_bytes(b"not a database \x00\x01" * 500)

    report = salvage_store(path, now=NOW)

    assert report.kept_as.read_bytes() == b"not a database \x00\x01" * 500
    assert report.schema_error == "file is not a database" and not report.complete
    assert report.problems()[0].startswith("the list of tables could not be read")
    with open_store(path) as store:
        assert store.counts()["incidents_open"] == 0


def test_columns_both_schemas_have_are_copied_from_an_older_store(tmp_path: Path) -> None:
    """A store two revisions old, with a column and a table this build does not know: what both have comes over,
    the extra column and table are named, and the newer columns take their defaults."""
    path = tmp_path / "console.sqlite3"
    engine = make_engine(path, synchronous="FULL")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0009_outbox_incident_index")
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE outbox ADD COLUMN priority_hint TEXT")
        conn.exec_driver_sql("CREATE TABLE shift_notes (id INTEGER PRIMARY KEY, note TEXT)")
        conn.exec_driver_sql("INSERT INTO incidents (id, status, description, updated_at, local_changes) "
                             "VALUES (7, 'open', 'น้ำท่วมถนนช้างคลาน', 1000, 1)")
        conn.exec_driver_sql("INSERT INTO outbox (id, idempotency_key, incident_id, op, fields_json, created_at, "
                             "state, actor, priority_hint) VALUES (3, 'k-3', 7, 'create', '{}', 1000, 'pending', "
                             "'somchai (operator)', 'high')")
    engine.dispose()

    report = salvage_store(path, now=NOW)

    assert report.unsent == {"pending": 1, "conflict": 0}
    assert {t.table: t.columns_not_copied for t in report.tables}["outbox"] == ("priority_hint",)
    assert report.problems() == ["outbox: columns this build does not have, not copied: priority_hint",
                                 "tables this build does not have, not copied: shift_notes"]
    assert not report.complete
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id, idempotency_key, state, actor, acknowledged_at, backend FROM outbox"
                            ).fetchall() == [(3, "k-3", "pending", "somchai (operator)", None, None)]
        assert conn.execute("SELECT description FROM incidents WHERE id = 7").fetchone() == ("น้ำท่วมถนนช้างคลาน",)
    conn.close()
