"""A hostile feed is refused the way a hostile import file is (issue 9 §4): the sync service uses the same parsers.

A small HTTP server on loopback serves hostile payloads in each feed's real format; the real SyncService polls it
and ingests into a real store. Rejected records are counted in the feed state (notes are not), nothing hostile is
stored, and an unreadable payload keeps the last good data with the reason as the feed's error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.settings import Settings
from services.store.store import Store
from services.sync.feed_catalog import build_catalog
from services.sync.sync_service import SyncService

FIRMS_HEADER = ("latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
                "bright_ti5,frp,daynight")
GOOD_ROW = "19.38412,98.92031,345.62,0.39,0.36,2026-03-15,41,N,VIIRS,n,2.0NRT,291.34,6.12,N"


class HostileBackend:
    """Serves ``bodies[path fragment]`` for any GET whose path contains the fragment."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = next((b for fragment, b in backend.bodies.items() if fragment in self.path), None)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def backend() -> Iterator[HostileBackend]:
    server = HostileBackend()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def sync(backend: HostileBackend) -> Iterator[SyncService]:
    base = backend.url
    settings = Settings.model_validate({"endpoints": {"air4thai": f"{base}/air4thai", "firms": f"{base}/firms",
                                                      "thaiwater": f"{base}/thaiwater", "open311": f"{base}/open311"},
                                        "firms_sources": ["VIIRS_SNPP_NRT"], "air4thai_history_stations": []})
    service = SyncService(build_catalog(settings), settings, {"firms_map_key": "KEY"})
    try:
        yield service
    finally:
        service.close()


def test_hostile_firms_feed_rows_are_rejected_and_counted(backend: HostileBackend, sync: SyncService,
                                                          store: Store) -> None:
    rows = [GOOD_ROW, GOOD_ROW.replace("19.38412", "nan"), GOOD_ROW.replace("19.38412,98.92031", "13.75,100.5"),
            GOOD_ROW.replace("19.38412", "1e308"), GOOD_ROW.replace(",N,VIIRS", ",N\0,VIIRS")]
    cut = GOOD_ROW.replace("19.38412", "18.5")
    # The usual poll (the last two days) is hostile; the month's back-fill by date (/5/YYYY-MM-DD…) finds quiet days.
    backend.bodies["20.2/2"] = ("\n".join([FIRMS_HEADER, *rows, cut[: cut.rindex(",") + 1]])).encode()
    backend.bodies["/api/area/csv/"] = FIRMS_HEADER.encode()
    state = sync.run_feed(store, "firms_viirs_snpp_nrt")
    assert state.last_error is None
    assert (state.records_last, state.rejected_last) == (1, 5)
    reasons = " | ".join(r.reason for r in store.recent_rejections("firms_viirs_snpp_nrt"))
    for needle in ("not a finite number", "outside northern Thailand", "not on Earth", "NUL", "cut off"):
        assert needle in reasons
    [hotspot] = store.hotspots_between(datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC), limit=10)
    assert (hotspot.lat, hotspot.lon) == (19.38412, 98.92031)


def test_hostile_air4thai_feed_notes_are_not_rejections(backend: HostileBackend, sync: SyncService,
                                                        store: Store) -> None:
    def station(sid: str, lat: str, name: str = "Station") -> dict:
        return {"stationID": sid, "nameEN": name, "lat": lat, "long": "98.97",
                "AQILast": {"date": "2026-03-15", "time": "14:00", "PM25": {"value": "38.2"}}}

    backend.bodies["getNewAQI_JSON"] = json.dumps({"stations": [
        station("35t", "18.84"), station("far", "45.0"), station("nan", "NaN"), station("nul", "18.8", "Mae\0Rim"),
    ]}).encode()
    state = sync.run_feed(store, "air4thai")
    assert state.last_error is None
    assert (state.records_last, state.rejected_last) == (3, 1)  # two readings kept without a place: notes only
    [rejection] = store.recent_rejections("air4thai")
    assert "nul" in rejection.where and "NUL" in rejection.reason
    by_code = {r.code: r for r in store.latest_air()}
    assert set(by_code) == {"35t", "far", "nan"}
    assert by_code["far"].lat is None and by_code["nan"].lat is None


def test_hostile_open311_feed_drops_bad_places_and_rejects_nul_text(backend: HostileBackend, sync: SyncService,
                                                                    store: Store) -> None:
    backend.bodies["requests.json"] = json.dumps([
        {"service_request_id": "1", "status": "open", "service_code": "flood", "lat": 18.79, "long": 98.99,
         "requested_datetime": "2026-09-28T14:05:00+07:00"},
        {"service_request_id": "2", "status": "open", "service_code": "flood", "lat": 1e308, "long": 98.99,
         "requested_datetime": "2026-09-28T14:05:00+07:00"},
        {"service_request_id": "3", "status": "open", "service_code": "flood", "description": "\0",
         "requested_datetime": "2026-09-28T14:05:00+07:00"},
    ]).encode()
    state = sync.run_feed(store, "open311_requests")
    assert state.last_error is None and state.rejected_last == 1
    placed = {r.server_id: (r.lat, r.lon) for r in store.incidents_for_map()}
    assert placed == {"1": (18.79, 98.99)}
    assert store.incident_id_for_server_id("2") is not None and store.incident_id_for_server_id("3") is None


def test_unreadable_feed_payload_keeps_the_last_good_data(backend: HostileBackend, sync: SyncService,
                                                          store: Store) -> None:
    backend.bodies["waterlevel_load"] = json.dumps({"waterlevel_data": {"data": [{
        "station": {"id": 1, "tele_station_oldcode": "P.1", "tele_station_lat": 18.787, "tele_station_long": 99.0051},
        "waterlevel_datetime": "2026-09-28 14:00", "waterlevel_m": "2.1"}]}}).encode()
    assert sync.run_feed(store, "thaiwater").last_error is None
    backend.bodies["waterlevel_load"] = b'{"waterlevel_data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    state = sync.run_feed(store, "thaiwater")
    assert state.last_error is not None and "nested too deeply" in state.last_error
    assert [r.code for r in store.latest_river()] == ["P.1"]
