"""The situation strip's counts from a real store: open P1 and SLA breaches with the queue's own filters, gauges on the
one river scale, PM2.5 24-hour means above 75 µg/m³ in the province (as the Thai AQI table rounds), failing feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from services.records import AirReading, RiverReading, ServiceRequest
from services.situation import OPEN_P1, breaching_filter, feed_problems, load_situation, pm25_above_limit
from services.store.incident_rows import QueueSort
from services.store.store import Store

NOW = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _request(rid: str, status: str, priority: str, expected: datetime, state: str | None = None) -> ServiceRequest:
    return ServiceRequest(id=rid, status=status, service_code="flood", description=f"incident {rid}", lat=18.79,
                          lon=98.99, requested_at=NOW - 10 * HOUR, updated_at=NOW - HOUR, priority=priority,
                          expected_at=expected, status_detail=state)


def _gauge(code: str, level: float | None, diff: float | None, situation: int | None) -> RiverReading:
    return RiverReading(station_code=code, name_th=code, name_en=code, lat=18.78, lon=99.0, observed_at=NOW - HOUR,
                        level_m=level, level_msl=None, bank_diff_m=diff, situation_level=situation, province_code="50")


def _station(code: str, pm25: float | None, area: str = "Chang Phueak, Mueang, Chiang Mai", area_th: str = "",
             lat: float | None = 18.8, lon: float | None = 98.9) -> AirReading:
    return AirReading(station_id=code, name_en=code, name_th=code, lat=lat, lon=lon, observed_at=NOW - HOUR, pm25=pm25,
                      area_en=area, area_th=area_th)


def _fill(store: Store) -> None:
    store.ingest_service_requests([
        _request("1", "open", "P1", NOW + 2 * HOUR, "acknowledged"),
        _request("2", "open", "P1", NOW - HOUR, "dispatched"),  # P1 and past its SLA
        _request("3", "closed", "P1", NOW - HOUR, "closed"),  # closed: neither
        _request("4", "open", "P2", NOW - 3 * HOUR, "new"),  # past its SLA
        _request("5", "open", "P3", NOW + HOUR, "new"),
    ])
    store.ingest_river([
        _gauge("P.1", 4.37, None, None),  # above P.1's city-flooding level (4.20 m)
        _gauge("P.67", 2.0, 0.2, 5),  # overbank by ThaiWater's distance to bank
        _gauge("P.73", 1.0, -2.1, 3),
        _gauge("P.103", None, None, None),
    ])
    store.ingest_air([
        _station("35t", 76.0),
        _station("36t", 75.0),  # at the limit, not above it
        _station("cm01t", 75.06, "Chiang Dao, Chiang Dao, chiang mai"),  # 75.1 as the table rounds: above
        _station("cm02t", 75.04),  # 75.0: not above
        _station("bkk", 120.0, "Pathum Wan, Bangkok", lat=13.73, lon=100.52),  # another province
        _station("lpn", 110.0, "", "ต.ในเมือง อ.เมือง, จ.ลำพูน", lat=18.58, lon=99.01),  # inside Chiang Mai's box
        _station("mr", 90.0, "", "ต.ริมใต้ อ.แม่ริม, จ.เชียงใหม่", lat=None, lon=None),
        _station("noarea", 80.0, ""),  # no area text: counted as the province's, as the air table lists it
        _station("none", None),
    ])


def test_counts_from_a_real_store(store: Store) -> None:
    _fill(store)
    situation = load_situation(store, NOW)
    assert (situation.open_p1, situation.sla_breached) == (2, 2)
    assert situation.flooding == ("P.1",)
    assert situation.bank_full == ("P.1", "P.67")  # worst first; the flooding gauge is above bank-full too
    assert situation.pm25_high == ("mr", "noarea", "35t", "cm01t")  # highest first
    assert situation.at == NOW


def test_counts_are_the_queue_presets_the_chips_open(store: Store) -> None:
    _fill(store)
    ids = {store.incident_id_for_server_id(str(n)): str(n) for n in range(1, 6)}
    p1 = [ids[i] for i in store.incident_queue_ids(OPEN_P1, QueueSort("id", False)).tolist()]
    breached = [ids[i] for i in store.incident_queue_ids(breaching_filter(NOW), QueueSort("id", False)).tolist()]
    assert (p1, breached) == (["1", "2"], ["2", "4"])


def test_counts_follow_the_store(store: Store) -> None:
    _fill(store)
    store.ingest_service_requests([_request("2", "closed", "P1", NOW - HOUR, "resolved")])
    store.ingest_river([_gauge("P.1", 3.9, None, None)])  # down to bank-full
    situation = load_situation(store, NOW)
    assert (situation.open_p1, situation.sla_breached) == (1, 1)
    assert (situation.bank_full, situation.flooding) == (("P.1", "P.67"), ())


def test_pm25_limit_reads_as_the_thai_aqi_table() -> None:
    assert [pm25_above_limit(v) for v in (None, -1, 75.0, 75.04, 75.05, 75.1, 300)] == [
        False, False, False, False, True, True, True]


def test_feed_problems_are_failing_or_stale_rows() -> None:
    rows = [SimpleNamespace(feed="air4thai", failing=False, freshness="fresh"),
            SimpleNamespace(feed="firms", failing=True, freshness="fresh"),
            SimpleNamespace(feed="thaiwater", failing=False, freshness="stale"),
            SimpleNamespace(feed="open311", failing=False, freshness="late"),
            SimpleNamespace(feed="new", failing=False, freshness="never")]
    assert feed_problems(rows) == ("firms", "thaiwater")
