"""FIRMS area API: exact CSV columns, un-padded acq_time, overpass times, bbox, forested districts, MAP_KEY."""

from __future__ import annotations

import csv
import io
import math

import pytest
import requests

from services.simulator.fires import MODIS_COLUMNS, VIIRS_COLUMNS
from services.simulator.seed import load_seed

BOX = "98.0,17.2,99.6,20.2"


def _get(sim, key: str, source: str, area: str = BOX, days: int = 2, day: str | None = None) -> requests.Response:
    url = f"{sim.feed_base('firms')}/api/area/csv/{key}/{source}/{area}/{days}" + (f"/{day}" if day else "")
    return requests.get(url, timeout=5)


def _rows(resp: requests.Response) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(resp.text))
    return list(reader.fieldnames or []), list(reader)


def test_viirs_csv_shape(sim):
    resp = _get(sim, sim.map_key, "VIIRS_SNPP_NRT")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    header, rows = _rows(resp)
    assert header == VIIRS_COLUMNS
    assert len(rows) > 20  # March: peak burning season
    assert {r["confidence"] for r in rows} <= {"l", "n", "h"}
    assert {r["satellite"] for r in rows} == {"N"}
    assert {r["daynight"] for r in rows} <= {"D", "N"}
    for r in rows:
        assert r["acq_time"] == str(int(r["acq_time"]))  # never zero-padded
        float(r["bright_ti4"]), float(r["frp"])
    assert any(len(r["acq_time"]) < 4 for r in rows)


def test_viirs_only_at_overpass_times(sim):
    _, rows = _rows(_get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=5))
    for r in rows:
        t = int(r["acq_time"])
        minutes = (t // 100) * 60 + t % 100
        # ~13:30 local (06:30 UTC) by day, ~01:30 local (18:30 UTC) by night, ± 35 min of orbit drift.
        nearest = min(abs(minutes - 390), abs(minutes - 1110))
        assert nearest <= 35, r["acq_time"]
        assert r["daynight"] == ("D" if abs(minutes - 390) <= 35 else "N")


def test_modis_csv_shape(sim):
    header, rows = _rows(_get(sim, sim.map_key, "MODIS_NRT"))
    assert header == MODIS_COLUMNS
    assert rows and {r["satellite"] for r in rows} <= {"Aqua", "Terra"}
    assert all(0 <= int(r["confidence"]) <= 100 for r in rows)


def test_hotspots_inside_bbox_and_in_forested_districts(sim):
    forested = [d for d in load_seed("districts") if d["forested"]]
    _, rows = _rows(_get(sim, sim.map_key, "VIIRS_NOAA20_NRT", area="98.2,18.0,99.0,19.0", days=3))
    assert rows
    for r in rows:
        lat, lon = float(r["latitude"]), float(r["longitude"])
        assert 18.0 <= lat <= 19.0 and 98.2 <= lon <= 99.0
        nearest = min(math.dist((lat, lon), (d["lat"], d["lon"])) for d in forested)
        assert nearest < 0.35


def test_day_range_and_date_are_respected_and_deterministic(sim):
    first = _get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=1, day="2026-03-08").text
    _, rows = _rows(_get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=1, day="2026-03-08"))
    assert rows and {r["acq_date"] for r in rows} == {"2026-03-08"}
    assert _get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=1, day="2026-03-08").text == first
    _, recent = _rows(_get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=2))
    assert {r["acq_date"] for r in recent} <= {"2026-03-09", "2026-03-10"}


def test_detections_appear_three_hours_after_overpass(sim):
    # 05:00 UTC: today's day pass (~06:30 UTC) has not happened; by 11:00 UTC it has been processed.
    _, before = _rows(_get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=1))
    sim.clock.advance(6 * 3600)
    _, after = _rows(_get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=1))
    assert not [r for r in before if r["daynight"] == "D"]
    assert [r for r in after if r["daynight"] == "D"]


@pytest.mark.parametrize("key", ["WRONG", "demo_key"])
def test_invalid_map_key(sim, key):
    resp = _get(sim, key, "VIIRS_SNPP_NRT")
    assert resp.status_code == 200 and resp.text == "Invalid MAP_KEY."


def test_bad_source_and_day_range(sim):
    assert _get(sim, sim.map_key, "VIIRS_FOO").status_code == 400
    assert _get(sim, sim.map_key, "VIIRS_SNPP_NRT", days=9).status_code == 400
