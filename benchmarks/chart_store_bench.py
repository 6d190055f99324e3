"""Chart read metrics: a week of 5-minute river series from the store against a bare covering-index scan of the
same rows, and the chart reads' p99 while another process bulk-ingests into the same file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import BenchContext, median_time, metric
from services.records import AirReading
from services.store import open_store

GAUGES = 7  # the Ping's gauges a river chart shows
READING_S = 600  # ThaiWater telemetry: one reading every 10 minutes
BUCKET_S = 300
WEEK = timedelta(days=7)
_T0 = datetime(2026, 1, 1, tzinfo=UTC)
_PRAGMAS = ("busy_timeout=5000", "journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL")


def _plain_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in _PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _chart_store(ctx: BenchContext) -> tuple[Path, datetime]:
    """A store with ``gauges`` river gauges at 10-minute readings over ``days`` (the charted ones among many, as a
    deployment polling all of ThaiWater's network would hold) and hourly PM2.5 at the air stations; generated in SQL
    and cached for the run. Returns the path and the end of the data."""
    gauges, days = (40, 60) if ctx.quick else (150, 120)
    key = f"chart_store_{gauges}_{days}"
    if key in ctx.cache:
        return ctx.cache[key]
    path = ctx.workdir / f"{key}.sqlite3"
    open_store(path).close()
    conn = _plain_connection(path)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO stations (id, kind, code, name_en, lat, lon) VALUES (?, 'river', ?, ?, ?, 99.0)",
                     [(g + 1, f"G{g:03d}", f"Gauge {g}", 20.0 - g / 100) for g in range(gauges)])
    steps = days * 86400 // READING_S
    conn.execute(
        """
        WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ? - 1)
        INSERT INTO river_readings (station_id, observed_at, level_m, level_msl, bank_diff_m, situation_level,
                                    flow_m3s)
        SELECT s.id, ? + k.i * ?, 1.5 + (k.i * 7 + s.id) % 300 / 100.0, 300.0 + (k.i * 7 + s.id) % 300 / 100.0,
               -2.0, 3, 120.0
        FROM stations AS s CROSS JOIN k WHERE s.kind = 'river' AND (k.i + s.id) % 97 != 0
        """,
        (steps, int(_T0.timestamp()), READING_S),
    )
    conn.execute("COMMIT")
    conn.close()
    end = _T0 + timedelta(days=days)
    ctx.cache[key] = (path, end)
    return path, end


@metric("chart_query_7d", goal_ratio=1.5, unit="ms")
def chart_query_7d(ctx: BenchContext) -> tuple[float, float]:
    """Store.river_charts of 7 gauges, 7 days in 5-minute buckets (on the grid, NaN gaps, thresholds, upstream
    order) vs plain sqlite3 reading the same rows through the covering index (median of runs)."""
    path, end = _chart_store(ctx)
    codes = [f"G{g:03d}" for g in range(0, GAUGES * 3, 3)]
    start = end - WEEK
    store = open_store(path)
    try:
        charts = store.river_charts(codes, start, end, BUCKET_S)
        assert len(charts) == GAUGES and len(charts[0].level) == WEEK.total_seconds() // BUCKET_S
        ours = median_time(lambda: store.river_charts(codes, start, end, BUCKET_S), repeat=31, warmup=3)
    finally:
        store.close()

    plain = _plain_connection(path)
    ids = [int(code[1:]) + 1 for code in codes]
    scan = (f"SELECT station_id, observed_at, level_m FROM river_readings INDEXED BY ix_river_readings_chart "
            f"WHERE station_id IN ({','.join('?' * len(ids))}) AND observed_at >= ? AND observed_at < ?")
    window = (*ids, int(start.timestamp()), int(end.timestamp()))
    rows = plain.execute(scan, window).fetchall()
    baseline = median_time(lambda: plain.execute(scan, window).fetchall(), repeat=31, warmup=3)
    plain.close()
    ctx.notes.append(f"chart_query_7d: {len(rows)} readings of {GAUGES} gauges in the week, "
                     f"{GAUGES * int(WEEK.total_seconds()) // BUCKET_S} buckets drawn")
    return ours * 1000, baseline * 1000


def _bulk_ingest(path: str, stop: Any, batches: Any, batch_hours: int, stations: int) -> None:
    """Another process (the CLI importer, say) ingesting hourly air history into the same store, batch after batch,
    until told to stop."""
    store = open_store(Path(path))
    try:
        hour = 0
        while not stop.is_set():
            at = _T0 + timedelta(hours=hour)
            records = [AirReading(station_id=f"b{s}", name_en=None, name_th=None, lat=None, lon=None,
                                  observed_at=at + timedelta(hours=h), pm25=float((h + s) % 90), pm10=20.0,
                                  averaging="1h")
                       for h in range(batch_hours) for s in range(stations)]
            store.ingest_air(records)
            hour += batch_hours
            with batches.get_lock():
                batches.value += 1
    finally:
        store.close()


def _chart_reads(store: Any, codes: list[str], start: datetime, end: datetime, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        store.river_charts(codes, start, end, BUCKET_S)
        samples.append(time.perf_counter() - began)
    return samples


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@metric("chart_read_p99_during_ingest", goal_ratio=5.0, unit="ms")
def chart_read_p99_during_ingest(ctx: BenchContext) -> tuple[float, float]:
    """p99 of a 7-day river chart read while another process bulk-ingests hourly air history into the same store
    (WAL: readers never wait for the writer) vs the same read's p50 with the store idle."""
    path, end = _chart_store(ctx)
    codes = [f"G{g:03d}" for g in range(0, GAUGES * 3, 3)]
    start = end - WEEK
    reads = 200 if ctx.quick else 600
    store = open_store(path)
    try:
        _chart_reads(store, codes, start, end, 5)
        idle = _chart_reads(store, codes, start, end, reads)
        spawn = multiprocessing.get_context("spawn")
        stop, batches = spawn.Event(), spawn.Value("i", 0)
        writer = spawn.Process(target=_bulk_ingest, args=(str(path), stop, batches, 24, 500), daemon=True)
        writer.start()
        try:
            deadline = time.monotonic() + 60
            while batches.value < 1 and time.monotonic() < deadline:  # the writer is up and writing
                time.sleep(0.05)
            busy = _chart_reads(store, codes, start, end, reads)
            written = batches.value
        finally:
            stop.set()
            writer.join(timeout=30)
            if writer.is_alive():
                writer.kill()
    finally:
        store.close()
    ctx.notes.append(f"chart_read_p99_during_ingest: {reads} reads; idle p50 {statistics.median(idle) * 1000:.2f} ms, "
                     f"p99 {_p(idle, 0.99) * 1000:.2f} ms; during ingest p50 {statistics.median(busy) * 1000:.2f} ms,"
                     f" p99 {_p(busy, 0.99) * 1000:.2f} ms; {written} batches of 12,000 hourly readings written")
    return _p(busy, 0.99) * 1000, statistics.median(idle) * 1000
