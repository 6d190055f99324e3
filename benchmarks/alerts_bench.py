"""Alert evaluation metric: the default rule set evaluated after a sync on a store of 10M readings, against plain
sqlite3 reading the same windows.

The store (generated in SQL, cached for the run) holds three years of hourly PM2.5 at 40 air stations (half of them
in Chiang Mai, the province the default PM2.5 rule watches), three haze seasons of FIRMS hotspots over the
console's box (a few a day off season, up to 3,000 a day in March) and 10-minute water levels of 150 gauges (two in
three with their own bank-full and flood levels) for as long as it takes to reach 10M readings in all; quick mode
keeps the same stations and gauges and the same last weeks, with about 1M readings in all (shorter histories). The
data ends in mid-March, at the height of the haze season: PM2.5 means crossing 75 µg/m³ at every station on its
cycle, hotspots near landmarks and dense in districts, a flood on a few tributaries (one gauge in eight crossing its
bank at its crest, one in twenty-four its flood level, one in twelve rising fast), one air station and one gauge
gone silent, one FIRMS feed failing. So the evaluation has real work: open alerts to count, some raised and cleared
on every sync.

Each timed round is a sync: the next hour of readings lands (air, river, hotspots, the feeds' state), then
``Store.evaluate_alerts(load_rules(), now)`` runs at two minutes past the hour (timed once: the first evaluation
after a sync is what the console runs), then the baseline: hand-written sqlite3 reading exactly the rows and
columns the evaluation reads (the stations and their thresholds, the air, river and hotspot windows with the rules'
leads, each station's last reading before them, the feeds' state, the alerts a replay may touch, their evaluation
history, the machines' saved states, the silences in force), written here from the evaluation's documented windows,
not through its code (median of 3 runs after each sync). The metric is the median over the rounds of each.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import BenchContext, metric
from services.alerts.rules import load_rules
from services.store import open_store

HOUR_S, DAY_S = 3600, 86400
T_END = int(datetime(2026, 3, 15, tzinfo=UTC).timestamp())  # the data ends here, mid haze season
AIR_STATIONS = 40
GAUGES = 150
RIVER_STEP_S = 600  # ThaiWater telemetry: every 10 minutes
SILENT_AIR_ID = 7  # stops reporting 10 h before the end
SILENT_GAUGE_ID = 105  # stops 20 h before the end
FIRST_GAUGE_ID = 101
HOTSPOT_PEAK = 3000  # a day, mid-March
_PRAGMAS = ("busy_timeout=5000", "journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL")
_FEEDS = ("air4thai", "air4thai_history", "thaiwater", "thaiwater_history", "firms_viirs_snpp_nrt",
          "firms_viirs_noaa20_nrt", "firms_modis_nrt")
FAILING_FEED = "firms_modis_nrt"


def _plain_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in _PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    return conn


# --- the data -----------------------------------------------------------------------------------------------------

def _add_air(conn: sqlite3.Connection, t0: int, t1: int) -> None:
    """Hourly rows of every air station for the hours ending in (t0, t1]: PM2.5 on a triangle wave of 4 to 8 days
    between 15 and 125 µg/m³ (its 24-hour mean crosses 75 on every cycle), a row without PM2.5 now and then."""
    first = (t0 // HOUR_S + 1) * HOUR_S
    if first > t1:
        return
    conn.execute(
        """
        WITH RECURSIVE h(t) AS (SELECT ?1 UNION ALL SELECT t + 3600 FROM h WHERE t + 3600 <= ?2)
        INSERT INTO air_hourly (station_id, observed_at, pm25, pm10)
        SELECT s.id, h.t,
               CASE WHEN (h.t / 3600 + s.id) % 53 = 0 THEN NULL
                    ELSE round(15 + 110 * abs(((h.t / 3600 + s.id * 37) % (24 * (4 + s.id % 5)))
                                              - 12.0 * (4 + s.id % 5)) / (12.0 * (4 + s.id % 5)), 1) END,
               round(30 + (h.t / 3600 + s.id) % 70, 1)
        FROM stations AS s CROSS JOIN h
        WHERE s.kind = 'air' AND NOT (s.id = ?3 AND h.t > ?4)
        """,
        (first, t1, SILENT_AIR_ID, T_END - 10 * HOUR_S),
    )


def _add_river(conn: sqlite3.Connection, t0: int, t1: int) -> None:
    """10-minute readings of every gauge in (t0, t1]: a triangle wave of 2 to 13 days, 4 m high (the shortest
    cycles, one gauge in twelve, rise faster than 0.15 m/h), a missed reading now and then; every tenth gauge
    publishes only its level above sea level. ThaiWater's distance to the bank reaches it at the crest for one
    gauge in eight."""
    first = (t0 // RIVER_STEP_S + 1) * RIVER_STEP_S
    if first > t1:
        return
    conn.execute(
        """
        WITH RECURSIVE k(t) AS (SELECT ?1 UNION ALL SELECT t + 600 FROM k WHERE t + 600 <= ?2),
        wave AS (
            SELECT s.id AS g, k.t AS t, 1.0 + (s.id % 7) * 0.3 AS base,
                   abs(((k.t / 600 + s.id * 53) % (144 * (2 + s.id % 12))) - 72.0 * (2 + s.id % 12))
                       / (72.0 * (2 + s.id % 12)) AS tri
            FROM stations AS s CROSS JOIN k
            WHERE s.kind = 'river' AND (k.t / 600 + s.id) % 97 != 0 AND NOT (s.id = ?3 AND k.t > ?4)
        )
        INSERT INTO river_readings (station_id, observed_at, level_m, level_msl, bank_diff_m, situation_level,
                                    flow_m3s)
        SELECT g, t, CASE WHEN g % 10 = 0 THEN NULL ELSE round(base + 4.0 * tri, 2) END,
               round(300 + g % 50 + base + 4.0 * tri, 2),
               round(4.0 * tri - CASE WHEN g % 8 = 3 THEN 3.7 ELSE 4.6 END, 2), 2, round(80 + 300 * tri, 1)
        FROM wave
        """,
        (first, t1, SILENT_GAUGE_ID, T_END - 20 * HOUR_S),
    )


_PASSES = (  # (seconds after UTC midnight, source): the satellites' passes over northern Thailand
    (12600, "MODIS_NRT"), (23400, "VIIRS_SNPP_NRT"), (26400, "VIIRS_NOAA20_NRT"), (55800, "MODIS_NRT"),
    (66600, "VIIRS_SNPP_NRT"), (69600, "VIIRS_NOAA20_NRT"),
)


def _add_hotspots(conn: sqlite3.Connection, t0: int, t1: int) -> None:
    """The hotspots acquired in (t0, t1]: each day's count follows the haze season (10 a day off season, up to
    HOTSPOT_PEAK in mid-March), spread over the box and over the day's satellite passes."""
    passes = " UNION ALL ".join(f"SELECT {i}, {offset}, '{source}'" for i, (offset, source) in enumerate(_PASSES))
    conn.execute(
        f"""
        WITH RECURSIVE d(day) AS (SELECT ?1 UNION ALL SELECT day + 86400 FROM d WHERE day + 86400 <= ?2),
        days AS (
            SELECT day, 10 + CAST({HOTSPOT_PEAK} * max(0.0, sin(pi() * (strftime('%j', day, 'unixepoch') - 30)
                                                                 / 90.0)) AS INTEGER) AS n
            FROM d
        ),
        j(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM j WHERE i + 1 < {HOTSPOT_PEAK + 10}),
        passes(p, offset, source) AS ({passes}),
        spots AS (
            SELECT days.day AS day, j.i AS i, passes.offset AS offset, passes.source AS source
            FROM days JOIN j ON j.i < days.n JOIN passes ON passes.p = j.i % {len(_PASSES)}
        )
        INSERT INTO fire_hotspots (source, satellite, instrument, lat, lon, acquired_at, confidence_text,
                                   confidence_pct, frp, daynight)
        SELECT source, 'N', CASE WHEN source = 'MODIS_NRT' THEN 'MODIS' ELSE 'VIIRS' END,
               round(17.2 + 3.0 * ((i * 7919 + day / 86400 * 31) % 10007) / 10007.0, 5),
               round(98.0 + 1.6 * ((i * 104729 + day / 86400 * 17) % 9973) / 9973.0, 5),
               day + offset + i,
               CASE WHEN source = 'MODIS_NRT' THEN NULL WHEN i % 10 = 0 THEN 'l' WHEN i % 10 < 3 THEN 'h' ELSE 'n' END,
               CASE WHEN source = 'MODIS_NRT' THEN (i * 37) % 100 END,
               round(1 + (i % 50) / 3.0, 1), CASE WHEN offset < 43200 THEN 'D' ELSE 'N' END
        FROM spots WHERE day + offset + i > ?3 AND day + offset + i <= ?4
        ORDER BY day + offset + i
        """,
        (t0 // DAY_S * DAY_S, t1 // DAY_S * DAY_S, t0, t1),
    )


def _feeds_ok(conn: sqlite3.Connection, at: int) -> None:
    """Every feed polled successfully at ``at``, except FIRMS' MODIS feed, failing since 10 h before the end."""
    conn.executemany(
        "INSERT INTO feed_state (feed, last_attempt_at, last_success_at, consecutive_failures) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (feed) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, "
        "last_success_at = excluded.last_success_at, consecutive_failures = excluded.consecutive_failures",
        [(feed, at, T_END - 10 * HOUR_S if feed == FAILING_FEED else at,
          (at - T_END) // 600 + 60 if feed == FAILING_FEED else 0) for feed in _FEEDS])


def _thresholds(g: int) -> dict[str, float]:
    """A gauge's own levels: its wave crests 4 m above its base; over the bank for one gauge in eight, over the
    flood level for one in twenty-four (a flood on a few tributaries while the haze lasts)."""
    base = 1.0 + (g % 7) * 0.3
    return {"bank_full_m": round(base + (3.6 if g % 8 == 1 else 4.6), 2),
            "flood_m": round(base + (3.9 if g % 24 == 1 else 5.0), 2)}


def _spans(quick: bool) -> tuple[int, int, int]:
    """(air days, hotspot days, river days): 10M readings in all (1M quick)."""
    total = 1_000_000 if quick else 10_000_000
    air_days, hot_days = (110, 120) if quick else (3 * 365, 3 * 365)
    air = AIR_STATIONS * air_days * 24
    hot = 83_000 if quick else 1_040_000  # about what the seasons above give over those days
    river_days = (total - air - hot) // (GAUGES * DAY_S // RIVER_STEP_S)
    return air_days, hot_days, river_days


def _alerts_store(ctx: BenchContext) -> Path:
    key = f"alerts_store_{'quick' if ctx.quick else 'full'}"
    if key in ctx.cache:
        return ctx.cache[key]
    path = ctx.workdir / f"{key}.sqlite3"
    open_store(path).close()
    conn = _plain_connection(path)
    air_days, hot_days, river_days = _spans(ctx.quick)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO stations (id, kind, code, name_th, name_en, lat, lon, area_en, area_th) "
        "VALUES (?, 'air', ?, ?, ?, ?, ?, ?, ?)",
        [(s, f"{s}t", f"สถานี {s}", f"Station {s}", 18.5 + (s % 10) / 20, 98.8 + (s // 10) / 20,
          f"Tambon {s}, Mueang, {'Chiang Mai' if s <= AIR_STATIONS // 2 else 'Lamphun'}",
          f"ตำบล {s}, {'เชียงใหม่' if s <= AIR_STATIONS // 2 else 'ลำพูน'}")
         for s in range(1, AIR_STATIONS + 1)])
    conn.executemany(
        "INSERT INTO stations (id, kind, code, name_th, name_en, lat, lon, thresholds_json) "
        "VALUES (?, 'river', ?, ?, ?, ?, ?, ?)",
        [(g, f"G{g:03d}", f"สถานี G{g:03d}", f"Gauge G{g:03d}", 17.5 + (g % 30) / 12, 98.3 + (g % 11) / 8,
          None if g % 3 == 0 else json.dumps(_thresholds(g)))
         for g in range(FIRST_GAUGE_ID, FIRST_GAUGE_ID + GAUGES)])
    _add_air(conn, T_END - air_days * DAY_S, T_END)
    _add_river(conn, T_END - river_days * DAY_S, T_END)
    _add_hotspots(conn, T_END - hot_days * DAY_S, T_END)
    _feeds_ok(conn, T_END)
    conn.execute("COMMIT")
    counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("air_hourly", "river_readings", "fire_hotspots")}
    conn.execute("ANALYZE")
    conn.close()
    per_table = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    ctx.notes.append(f"alerts_eval_10m: {sum(counts.values()):,} readings ({per_table})"
                     f"{' [quick: about 1M, same stations and last weeks]' if ctx.quick else ''}")
    ctx.cache[key] = path
    return path


def _sync(path: Path, t0: int, t1: int) -> None:
    """The next hour lands: readings in (t0, t1], the feeds' state."""
    conn = _plain_connection(path)
    conn.execute("BEGIN")
    _add_air(conn, t0, t1)
    _add_river(conn, t0, t1)
    _add_hotspots(conn, t0, t1)
    _feeds_ok(conn, t1)
    conn.execute("COMMIT")
    conn.close()


# --- the baseline: the evaluation's windows, read with plain sqlite3 ----------------------------------------------

def _baseline_reads(conn: sqlite3.Connection, rule_ids: list[str], now: int) -> int:
    """Every row the evaluation reads at ``now``, as plain tuples: the window is the whole hours from the UTC
    midnight a week before the hour ``now`` is in up to ``now``, read with the rules' leads (the 24-hour mean's
    23 hours, the 3-hour rise and the 24-hour hotspot count, each plus the hour they start in). Returns the rows."""
    end = -(-now // HOUR_S) * HOUR_S
    start = (end - 7 * DAY_S) // DAY_S * DAY_S
    air_from, river_from, fire_from = start - 23 * HOUR_S, start - 4 * HOUR_S, start - 24 * HOUR_S
    quiet = 720 * 60  # the longest quiet period of the default rules
    rows = 0
    stations = conn.execute("SELECT id, kind, code, name_th, name_en, lat, lon, area_en, area_th, thresholds_json "
                            "FROM stations ORDER BY id").fetchall()
    rows += len(stations)
    air_ids = [s[0] for s in stations if s[1] == "air"]
    gauge_ids = [s[0] for s in stations if s[1] == "river"]
    air = conn.execute(f"SELECT station_id, observed_at, pm25 FROM air_hourly WHERE station_id IN "
                       f"({','.join('?' * len(air_ids))}) AND observed_at > ? AND observed_at <= ?",
                       (*air_ids, air_from, now)).fetchall()
    river = conn.execute(f"SELECT station_id, observed_at, level_m, level_msl, bank_diff_m FROM river_readings "
                         f"WHERE station_id IN ({','.join('?' * len(gauge_ids))}) AND observed_at > ? "
                         f"AND observed_at <= ?", (*gauge_ids, river_from, now)).fetchall()
    spots = conn.execute("SELECT acquired_at, lat, lon, confidence_text, confidence_pct FROM fire_hotspots "
                         "WHERE acquired_at > ? AND acquired_at <= ?", (fire_from, now)).fetchall()
    air_before = conn.execute(
        "SELECT s.id, (SELECT observed_at FROM air_hourly WHERE station_id = s.id AND observed_at <= ? "
        "AND pm25 IS NOT NULL ORDER BY observed_at DESC LIMIT 1) FROM stations AS s WHERE kind = 'air'",
        (air_from,)).fetchall()
    river_before = conn.execute(
        "SELECT s.id, (SELECT observed_at FROM river_readings WHERE station_id = s.id AND observed_at <= ? "
        "AND (level_m IS NOT NULL OR level_msl IS NOT NULL) ORDER BY observed_at DESC LIMIT 1) "
        "FROM stations AS s WHERE kind = 'river'", (river_from,)).fetchall()
    feeds = conn.execute("SELECT feed, last_success_at, consecutive_failures FROM feed_state").fetchall()
    marks = ",".join("?" * len(rule_ids))
    alerts = conn.execute(
        f"SELECT id, rule_id, scope_key, state, first_at, last_at, cleared_at, occurrences, value, message_th, "
        f"message_en, severity, scope_name_th, scope_name_en, rule_name_th, rule_name_en, lat, lon FROM alerts "
        f"WHERE rule_id IN ({marks}) AND (state != 'cleared' OR cleared_at >= ?)",
        (*rule_ids, start - quiet)).fetchall()
    ids = [a[0] for a in alerts]
    history = conn.execute(f"SELECT alert_id, action, at FROM alert_actions WHERE actor = 'system' AND alert_id IN "
                           f"({','.join('?' * len(ids))})", ids).fetchall() if ids else []
    states = conn.execute("SELECT rule_id, scope_key, at, fingerprint, state_json FROM alert_checkpoints "
                          "WHERE at >= ?", (start,)).fetchall()
    silences = conn.execute("SELECT id, rule_id, scope_key, starts_at, until, reason, actor FROM alert_silences "
                            "WHERE until > ? AND starts_at <= ?", (now, now)).fetchall()
    for part in (air, river, spots, air_before, river_before, feeds, alerts, history, states, silences):
        rows += len(part)
    return rows


@metric("alerts_eval_10m", goal_ratio=1.5, unit="ms")
def alerts_eval_10m(ctx: BenchContext) -> tuple[float, float]:
    """Store.evaluate_alerts of the default rules right after each hourly sync, on a store of 10M readings (1M
    quick), vs plain sqlite3 reading the same windows (medians over the syncs)."""
    path = _alerts_store(ctx)
    rules = load_rules()
    rule_ids = [r.id for r in rules.enabled()]
    rounds = 9 if ctx.quick else 15
    store = open_store(path)
    plain = _plain_connection(path)
    ours, baseline, changed = [], [], 0
    try:
        began = time.perf_counter()
        first = store.evaluate_alerts(rules, datetime.fromtimestamp(T_END + 120, UTC))  # at start: a week at once
        cold = time.perf_counter() - began
        for k in range(1, rounds + 1):
            t0, t1 = T_END + (k - 1) * HOUR_S, T_END + k * HOUR_S
            _sync(path, t0, t1)
            now = t1 + 120
            began = time.perf_counter()
            result = store.evaluate_alerts(rules, datetime.fromtimestamp(now, UTC))
            ours.append(time.perf_counter() - began)
            changed += len(result.raised) + len(result.reopened) + len(result.updated) + len(result.cleared)
            runs = []
            for _ in range(3):
                began = time.perf_counter()
                read = _baseline_reads(plain, rule_ids, now)
                runs.append(time.perf_counter() - began)
            baseline.append(statistics.median(runs))
        open_alerts = len(store.alerts(("open", "acknowledged"), 10_000))
    finally:
        plain.close()
        store.close()
    ctx.notes.append(
        f"alerts_eval_10m: {rounds} hourly syncs; evaluation median {statistics.median(ours) * 1000:.1f} ms "
        f"(min {min(ours) * 1000:.1f}, max {max(ours) * 1000:.1f}), baseline reads median "
        f"{statistics.median(baseline) * 1000:.1f} ms ({read:,} rows); first evaluation at start "
        f"{cold * 1000:.0f} ms ({len(first.raised)} raised); {changed} alert changes over the syncs, "
        f"{open_alerts} open at the end")
    return statistics.median(ours) * 1000, statistics.median(baseline) * 1000
