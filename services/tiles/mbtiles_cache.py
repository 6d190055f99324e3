"""``TileCache``: basemap tiles in an SQLite file with the MBTiles 1.3 layout, plus a side table for freshness.

Layout (readable by any MBTiles tool, e.g. ``sqlite3 tiles.mbtiles "select count(*) from tiles"``):

- ``metadata(name, value)`` — ``name``, ``format`` (png), ``type`` (baselayer), ``version``, ``description``,
  ``attribution``;
- ``tiles(zoom_level, tile_column, tile_row, tile_data)`` with the unique index ``tile_index``; rows are TMS
  (``tile_row = 2**z - 1 - y``), the API takes XYZ like Leaflet;
- ``tile_fetch(zoom_level, tile_column, tile_row, fetched_at, expires_at, etag)`` — ours, ignored by MBTiles readers:
  when each tile was fetched, until when it is fresh, and its ETag for a polite conditional refresh.

Threads: every method may be called from any thread. Each thread gets its own connection (WAL lets readers run
beside the writer, so a tile lookup never waits for a prefetch batch), and writes are serialised by a lock so two
writers never spin on SQLITE_BUSY. ``close()`` closes every connection; call it once the workers have stopped.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from services.tiles.tile_math import MAX_ZOOM, BBox, tile_of, tile_ranges, tms_row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS metadata_name ON metadata (name);
CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
CREATE TABLE IF NOT EXISTS tile_fetch (
    zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL,
    fetched_at REAL NOT NULL, expires_at REAL NOT NULL, etag TEXT,
    PRIMARY KEY (zoom_level, tile_column, tile_row)
) WITHOUT ROWID;
"""
_DEFAULT_METADATA = {
    "name": "pao-console basemap cache",
    "format": "png",
    "type": "baselayer",
    "version": "1",
    "description": "Basemap tiles cached by the Chiang Mai PAO operations console",
}
_GET = (
    "SELECT t.tile_data, f.fetched_at, f.expires_at, f.etag FROM tiles t LEFT JOIN tile_fetch f"
    " ON f.zoom_level = t.zoom_level AND f.tile_column = t.tile_column AND f.tile_row = t.tile_row"
    " WHERE t.zoom_level = ? AND t.tile_column = ? AND t.tile_row = ?"
)
_PUT_TILE = "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)"
_PUT_FETCH = ("INSERT OR REPLACE INTO tile_fetch (zoom_level, tile_column, tile_row, fetched_at, expires_at, etag)"
              " VALUES (?, ?, ?, ?, ?, ?)")
_DEFAULT_LIFETIME_S = 7 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class CachedTile:
    """A cached tile with its freshness. ``fetched_at``/``expires_at`` are Unix times (0 when never recorded)."""

    data: bytes
    fetched_at: float
    expires_at: float
    etag: str | None

    def stale(self, now: float) -> bool:
        """True once ``now`` is past the tile's expiry."""
        return now >= self.expires_at


@dataclass(frozen=True, slots=True)
class TileWrite:
    """One tile to store (XYZ coordinates)."""

    z: int
    x: int
    y: int
    data: bytes
    etag: str | None = None
    lifetime_s: float | None = None


class TileCache:
    """An MBTiles file of basemap tiles. Safe to share between threads (see the module docstring)."""

    def __init__(self, path: str | Path, *, attribution: str | None = None, busy_timeout_s: float = 5.0,
                 clock: Callable[[], float] = time.time) -> None:
        """Open (creating if needed) the cache at ``path``. ``attribution`` is recorded in the metadata; ``clock``
        (Unix seconds) is injectable so tests can age tiles without waiting."""
        self.path = Path(path)
        self._busy_timeout_s = busy_timeout_s
        self._clock = clock
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._conn()
        with self._write_lock, conn:
            conn.executescript(_SCHEMA)
            meta = dict(_DEFAULT_METADATA)
            if attribution:
                meta["attribution"] = attribution
            conn.executemany("INSERT OR IGNORE INTO metadata (name, value) VALUES (?, ?)", meta.items())
            if attribution:
                conn.execute("UPDATE metadata SET value = ? WHERE name = 'attribution'", (attribution,))

    # --- connections ---------------------------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise RuntimeError(f"tile cache {self.path} is closed")
        # check_same_thread=False only so close() can close it from another thread; otherwise it stays in its thread.
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout_s, check_same_thread=False,
                               isolation_level="DEFERRED")
        conn.execute("PRAGMA journal_mode=WAL")
        # A lost tile after a power cut is refetched; NORMAL keeps prefetch batches cheap.
        conn.execute("PRAGMA synchronous=NORMAL")
        self._local.conn = conn
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection. Further calls raise ``RuntimeError``."""
        self._closed = True
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def __enter__(self) -> TileCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads -----------------------------------------------------------------------------------------------------

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's bytes (XYZ coordinates), or None when it is not cached. One indexed SELECT."""
        row = self._conn().execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ?"
                                   " AND tile_row = ?", (z, x, tms_row(z, y))).fetchone()
        return None if row is None else bytes(row[0])

    def get_entry(self, z: int, x: int, y: int) -> CachedTile | None:
        """The tile with its fetch time, expiry and ETag, or None when it is not cached."""
        row = self._conn().execute(_GET, (z, x, tms_row(z, y))).fetchone()
        if row is None:
            return None
        data, fetched_at, expires_at, etag = row
        # A tile written by another MBTiles tool has no fetch record, so its age is unknown: expires_at 0 makes it
        # stale, so it is still served but revalidated when online.
        return CachedTile(bytes(data), fetched_at or 0.0, expires_at or 0.0, etag)

    def count(self) -> int:
        """How many tiles the cache holds."""
        return int(self._conn().execute("SELECT count(*) FROM tiles").fetchone()[0])

    def size_bytes(self) -> int:
        """The total size of the cached tile images (not of the file, which also holds indexes and free pages)."""
        return int(self._conn().execute("SELECT coalesce(sum(length(tile_data)), 0) FROM tiles").fetchone()[0])

    def average_tile_bytes(self) -> float | None:
        """The mean size of a cached tile, or None when the cache is empty."""
        return self._conn().execute("SELECT avg(length(tile_data)) FROM tiles").fetchone()[0]

    def count_in(self, bbox: BBox, zmin: int, zmax: int) -> int:
        """How many of the tiles covering ``bbox`` from ``zmin`` to ``zmax`` are cached (one index range per zoom)."""
        conn = self._conn()
        total = 0
        for r in tile_ranges(bbox, zmin, zmax):
            # TMS rows: y0 (north) has the larger row number.
            total += conn.execute(
                "SELECT count(*) FROM tiles WHERE zoom_level = ? AND tile_column BETWEEN ? AND ?"
                " AND tile_row BETWEEN ? AND ?", (r.z, r.x0, r.x1, tms_row(r.z, r.y1), tms_row(r.z, r.y0)),
            ).fetchone()[0]
        return int(total)

    def cached_in(self, z: int, x0: int, x1: int, y0: int, y1: int) -> set[tuple[int, int]]:
        """The XYZ ``(x, y)`` of the cached tiles of zoom ``z`` in columns ``x0..x1`` and rows ``y0..y1`` (one index
        range)."""
        rows = self._conn().execute(
            "SELECT tile_column, tile_row FROM tiles WHERE zoom_level = ? AND tile_column BETWEEN ? AND ?"
            " AND tile_row BETWEEN ? AND ?", (z, x0, x1, tms_row(z, y1), tms_row(z, y0))).fetchall()
        return {(int(x), tms_row(z, int(row))) for x, row in rows}

    def deepest_zoom_at(self, lon: float, lat: float, zmin: int = 0, zmax: int = MAX_ZOOM) -> int | None:
        """The deepest zoom from ``zmax`` down to ``zmin`` whose tile at ``lon/lat`` is cached, or None (a few index
        lookups)."""
        for z in range(zmax, zmin - 1, -1):
            if self.contains(z, *tile_of(lon, lat, z)):
                return z
        return None

    def contains(self, z: int, x: int, y: int) -> bool:
        """True when the tile is cached (reads only the index)."""
        return self._conn().execute("SELECT 1 FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                                    (z, x, tms_row(z, y))).fetchone() is not None

    def metadata(self) -> dict[str, str]:
        """The MBTiles metadata table as a dict."""
        return dict(self._conn().execute("SELECT name, value FROM metadata").fetchall())

    # --- writes ----------------------------------------------------------------------------------------------------

    def put(self, z: int, x: int, y: int, data: bytes, *, etag: str | None = None,
            lifetime_s: float | None = None) -> None:
        """Store (or replace) one tile, fetched now; it stays fresh ``lifetime_s`` (default 7 days)."""
        self.put_many([TileWrite(z, x, y, data, etag, lifetime_s)])

    def put_many(self, writes: Iterable[TileWrite]) -> int:
        """Store several tiles in one transaction; returns how many."""
        now = self._clock()
        tiles, fetches = [], []
        for w in writes:
            row = tms_row(w.z, w.y)
            tiles.append((w.z, w.x, row, sqlite3.Binary(w.data)))
            life = _DEFAULT_LIFETIME_S if w.lifetime_s is None else w.lifetime_s
            fetches.append((w.z, w.x, row, now, now + life, w.etag))
        if not tiles:
            return 0
        conn = self._conn()
        with self._write_lock, conn:
            conn.executemany(_PUT_TILE, tiles)
            conn.executemany(_PUT_FETCH, fetches)
        return len(tiles)

    def touch(self, z: int, x: int, y: int, *, etag: str | None = None, lifetime_s: float | None = None) -> None:
        """Record that the cached tile was revalidated now (a 304): its expiry moves on, its bytes stay."""
        now = self._clock()
        life = _DEFAULT_LIFETIME_S if lifetime_s is None else lifetime_s
        row = tms_row(z, y)
        conn = self._conn()
        with self._write_lock, conn:
            old = conn.execute("SELECT etag FROM tile_fetch WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                               (z, x, row)).fetchone()
            conn.execute(_PUT_FETCH, (z, x, row, now, now + life, etag or (old[0] if old else None)))

    def set_metadata(self, name: str, value: str) -> None:
        """Set one metadata entry (e.g. ``attribution``)."""
        conn = self._conn()
        with self._write_lock, conn:
            conn.execute("INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)", (name, value))
