"""Stores with real unsent edits and local incidents, damaged for real: the salvage and integrity-check tests.

A crash image is the store's three files copied while a connection still has them open (what a power cut leaves);
damage is bytes overwritten in pages that ``dbstat`` says belong to a table, or the file cut short."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from services.backend_identity import BackendIdentity
from services.records import AirReading
from services.store import IncidentDraft, Store, open_store

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
TRAINING = BackendIdentity("demo", "embedded_simulator", "", 2026)
COMPANIONS = ("", "-wal", "-shm")
#: The tables a salvage must bring back whole when their pages are not the damaged ones.
EDIT_TABLES = ("outbox", "incidents", "incident_events", "attachments", "incident_links", "backend_binding")


def jpeg(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="JPEG")
    return out.getvalue()


def readings(stations: int, hours: int) -> list[AirReading]:
    return [AirReading(station_id=f"st{s:03d}", observed_at=NOW - timedelta(hours=h), pm25=10.0 + (s * h) % 90,
                       name_en=f"Station {s}", name_th=None, lat=18.8, lon=98.9)
            for s in range(stations) for h in range(hours)]


def local_incidents(store: Store, count: int, first_minute: int = 0) -> list[int]:
    """``count`` incidents taken in at the console, each with an acknowledgement and a Thai comment: unsent."""
    ids = []
    for i in range(count):
        at = NOW + timedelta(minutes=first_minute + i)
        incident = store.create_incident_local(IncidentDraft(
            category="forest_fire", priority="P2", description=f"ไฟป่าดอยสุเทพ จุดที่ {first_minute + i}",
            lat=18.80 + i / 1000, lon=98.92, source="hotline", reporter_name=f"นายสมชาย {i}",
            reporter_contact="081-000-0000"), "somchai (operator)", at)
        store.apply_action_local(incident, {"workflow_state": "acknowledged", "assignee": "somchai"},
                                 "somchai (operator)", at + timedelta(seconds=20), "รับเรื่องแล้ว",
                                 action="acknowledge")
        store.add_comment_local(incident, f"ส่งทีมดับไฟ {i} " + "ข้อความยาว " * 10, "somchai (operator)",
                                at + timedelta(seconds=40))
        ids.append(incident)
    return ids


def build_store(path: Path, *, incidents: int = 40, stations: int = 60, hours: int = 300) -> None:
    """Local incidents first (so they sit in the low pages), one with photos and one merged, some outbox entries
    in conflict; then feed data behind them. Closed cleanly: everything is in the main file."""
    with open_store(path) as store:
        store.bind_backend(TRAINING)
        ids = local_incidents(store, incidents)
        store.add_attachment_local(ids[0], "photo", "fire.jpg", jpeg("red"), "somchai (operator)", NOW)
        store.add_attachment_local(ids[1], "photo", "smoke.jpg", jpeg("gray"), "somchai (operator)", NOW)
        store.merge_incidents_local(ids[2], [ids[3]], "somchai (operator)", NOW + timedelta(hours=1))
        pending = store.outbox_pending(limit=10)
        store.outbox_mark_conflict(pending[-1].id, None, "HTTP 412: stale", NOW + timedelta(hours=1))
        store.ingest_air(readings(stations, hours))


def crash_image(path: Path, image: Path, *, more_incidents: int = 5) -> None:
    """Open the store, make more edits (they stay in the WAL: the edit engine checkpoints rarely), and copy its
    three files while it is open, as a power cut would leave them."""
    with open_store(path) as store:
        local_incidents(store, more_incidents, first_minute=500)
        image.parent.mkdir(parents=True, exist_ok=True)
        for suffix in COMPANIONS:
            shutil.copyfile(path.with_name(path.name + suffix), image.with_name(image.name + suffix))


def file_digests(path: Path) -> dict[str, str | None]:
    """sha256 of the store's main file, -wal and -shm (None when absent)."""
    out: dict[str, str | None] = {}
    for suffix in COMPANIONS:
        f = path.with_name(path.name + suffix)
        out[suffix or "main"] = hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else None
    return out


@contextmanager
def _reader(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that changes none of the store's files (the test's own, independent of the code under test):
    the WAL read into private memory when there is one, else the main file as it is."""
    wal = path.with_name(path.name + "-wal")
    query = "mode=ro&readonly_shm=1" if wal.exists() and wal.stat().st_size else "immutable=1"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def table_rows(path: Path, tables: tuple[str, ...] = EDIT_TABLES) -> dict[str, list[tuple[object, ...]]]:
    """Every row of ``tables``, by rowid, read without changing the files."""
    with _reader(path) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


def row_count(path: Path, table: str) -> int:
    with _reader(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def pages(path: Path, table: str, pagetype: str = "leaf") -> list[int]:
    """The page numbers of ``table``'s b-tree pages of one type, as the main file holds them."""
    with sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True) as conn:
        found = [row[0] for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno", (table, pagetype))]
    conn.close()
    return found


def overwrite_pages(path: Path, page_numbers: list[int], page_size: int = 4096) -> None:
    """Scribble over whole pages (1-based numbers) of the main file, leaving its size alone."""
    with path.open("r+b") as f:
        for number in page_numbers:
            f.seek((number - 1) * page_size)
            f.write(bytes([0xA5, 0x5A]) * (page_size // 2))
