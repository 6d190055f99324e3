"""TileCache: round trip, the TMS row flip, the MBTiles schema as a plain sqlite3 client sees it, freshness."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from services.tile_cache import TileCache, TileWrite, count_tiles, tile_of, tile_ranges, tms_row, valid_tile

PNG_A = b"\x89PNG\r\n\x1a\n" + b"A" * 100
PNG_B = b"\x89PNG\r\n\x1a\n" + b"B" * 300


def test_round_trip_and_missing(cache: TileCache) -> None:
    assert cache.get(12, 3174, 1830) is None
    cache.put(12, 3174, 1830, PNG_A, etag='"a"')
    assert cache.get(12, 3174, 1830) == PNG_A
    assert cache.get(12, 3174, 1831) is None
    cache.put(12, 3174, 1830, PNG_B)  # replace, not duplicate
    assert cache.get(12, 3174, 1830) == PNG_B
    assert cache.count() == 1
    assert cache.size_bytes() == len(PNG_B)


def test_rows_are_stored_in_tms_order(cache: TileCache, tmp_path: Path) -> None:
    cache.put(3, 2, 1, PNG_A)
    cache.put(0, 0, 0, PNG_B)
    with sqlite3.connect(tmp_path / "tiles.mbtiles") as plain:
        rows = plain.execute("SELECT zoom_level, tile_column, tile_row FROM tiles ORDER BY zoom_level").fetchall()
    assert rows == [(0, 0, 0), (3, 2, 2 ** 3 - 1 - 1)]
    assert tms_row(3, 1) == 6 and tms_row(3, 6) == 1


def test_schema_is_mbtiles_readable_by_plain_sqlite(cache: TileCache, tmp_path: Path) -> None:
    cache.put(10, 793, 457, PNG_A)
    plain = sqlite3.connect(tmp_path / "tiles.mbtiles")
    try:
        cols = {t: [r[1] for r in plain.execute(f"PRAGMA table_info({t})")] for t in ("metadata", "tiles")}
        assert cols == {"metadata": ["name", "value"],
                        "tiles": ["zoom_level", "tile_column", "tile_row", "tile_data"]}
        index = plain.execute("PRAGMA index_list(tiles)").fetchall()
        assert any(row[1] == "tile_index" and row[2] == 1 for row in index)  # unique
        meta = dict(plain.execute("SELECT name, value FROM metadata"))
        assert meta["format"] == "png" and meta["type"] == "baselayer" and meta["attribution"] == "test attribution"
        data = plain.execute("SELECT tile_data FROM tiles WHERE zoom_level=10 AND tile_column=793 AND tile_row=?",
                             (1023 - 457,)).fetchone()[0]
        assert data == PNG_A
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # The lookup is one index seek, not a scan.
        plan = plain.execute("EXPLAIN QUERY PLAN SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=?"
                             " AND tile_row=?", (1, 1, 1)).fetchall()
        assert "USING INDEX tile_index" in plan[0][3]
    finally:
        plain.close()


def test_reopen_keeps_tiles_and_metadata(tmp_path: Path) -> None:
    with TileCache(tmp_path / "t.mbtiles", attribution="one") as first:
        first.put(5, 24, 14, PNG_A)
    with TileCache(tmp_path / "t.mbtiles") as again:
        assert again.get(5, 24, 14) == PNG_A
        assert again.metadata()["attribution"] == "one"


def test_freshness_and_touch(cache: TileCache, clock) -> None:  # type: ignore[no-untyped-def]
    cache.put(8, 198, 114, PNG_A, etag='"v1"', lifetime_s=100)
    entry = cache.get_entry(8, 198, 114)
    assert entry is not None and entry.etag == '"v1"' and not entry.stale(clock())
    clock.advance(101)
    assert cache.get_entry(8, 198, 114).stale(clock())  # type: ignore[union-attr]
    cache.touch(8, 198, 114, lifetime_s=100)
    entry = cache.get_entry(8, 198, 114)
    assert entry is not None and not entry.stale(clock()) and entry.etag == '"v1"' and entry.data == PNG_A


def test_count_in_area_and_average(cache: TileCache) -> None:
    bbox = (98.8, 18.7, 99.1, 18.9)
    ranges = tile_ranges(bbox, 10, 12)
    assert sum(r.count for r in ranges) == count_tiles(bbox, 10, 12)
    inside = list(ranges[1].tiles())[:3]
    cache.put_many([TileWrite(z, x, y, PNG_A) for z, x, y in inside])
    cache.put(11, 0, 0, PNG_B)  # outside the area
    assert cache.count_in(bbox, 10, 12) == 3
    assert cache.average_tile_bytes() == pytest.approx((3 * len(PNG_A) + len(PNG_B)) / 4)


def test_tile_math_edges() -> None:
    assert tile_of(-180, 85.0511, 0) == (0, 0)
    assert tile_of(180, -85.0511, 2) == (3, 3)
    assert valid_tile(19, 2 ** 19 - 1, 0) and not valid_tile(20, 0, 0) and not valid_tile(3, 8, 0)
    with pytest.raises(ValueError):
        tile_ranges((99.0, 18.0, 98.0, 19.0), 5, 6)  # west > east
    with pytest.raises(ValueError):
        tile_ranges((98.0, 18.0, 99.0, 19.0), 6, 5)


def test_writes_from_many_threads(cache: TileCache) -> None:
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            for i in range(50):
                cache.put(14, start * 100 + i, 7000, PNG_A)
                assert cache.get(14, start * 100 + i, 7000) == PNG_A
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert cache.count() == 300


def test_closed_cache_refuses(tmp_path: Path) -> None:
    c = TileCache(tmp_path / "c.mbtiles")
    c.close()
    with pytest.raises(RuntimeError, match="closed"):
        c.count()
