"""Simulated NASA FIRMS area API: VIIRS / MODIS hotspot CSVs over Chiang Mai's forested districts.

Route (prefix ``/firms``): ``/api/area/csv/<map_key>/<source>/<area>/<day_range>[/<date>]``. Hotspots exist only at
each satellite's overpass times, become visible about 3 h after the overpass (as the real NRT feed), and are a pure
function of (seed, source, UTC day, pass), so a day always yields the same detections.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response

from services.simulator.clock import SimClock
from services.simulator.determinism import rng
from services.simulator.seed import load_seed

VIIRS_COLUMNS = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_ti5,frp,daynight"
).split(",")
MODIS_COLUMNS = (
    "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_t31,frp,daynight"
).split(",")
PROVINCE_BOX = (98.011, 17.242, 99.573, 20.147)  # west, south, east, north
LATENCY = timedelta(hours=3)

# (satellite code in the CSV, passes as (UTC hour, minute, day/night)). S-NPP crosses at ~13:30 / 01:30 local;
# NOAA-20 and NOAA-21 trail and lead it by about 50 minutes; Terra ~10:30 / 22:30, Aqua ~13:30 / 01:30 local.
# NOAA-21's code in NRT files is written "N21" (*unverified*; the console normalises satellite codes).
_PASSES: dict[str, list[tuple[str, int, int, str]]] = {
    "VIIRS_SNPP_NRT": [("N", 6, 30, "D"), ("N", 18, 30, "N")],
    "VIIRS_NOAA20_NRT": [("1", 5, 40, "D"), ("1", 17, 40, "N")],
    "VIIRS_NOAA21_NRT": [("N21", 7, 20, "D"), ("N21", 19, 20, "N")],
    "MODIS_NRT": [("Terra", 3, 30, "D"), ("Aqua", 6, 30, "D"), ("Terra", 15, 30, "N"), ("Aqua", 18, 30, "N")],
}
SOURCES = tuple(_PASSES)
# How fire-prone each month is (1.0 = peak of the burning season).
_MONTH_ACTIVITY = {1: 0.25, 2: 0.6, 3: 1.0, 4: 0.75, 5: 0.15, 6: 0.03, 7: 0.02, 8: 0.02, 9: 0.02, 10: 0.04, 11: 0.08,
                   12: 0.15}


# Where in the forested districts the detections fall: Mae Chaem and Omkoi, the province's largest forested
# districts, lead the province's hotspot counts season after season; the other forested districts share the rest.
_DISTRICT_WEIGHT = {"Mae Chaem": 3.0, "Omkoi": 3.0}


@dataclass(frozen=True)
class FireFront:
    """A fire a scenario places: ``per_pass`` detections at each overpass from ``first`` to ``last`` (aware),
    scattered about ``spread_deg`` around (``lat``, ``lon``)."""

    name: str
    lat: float
    lon: float
    first: datetime
    last: datetime
    per_pass: int = 4
    spread_deg: float = 0.006


@dataclass(frozen=True)
class Hotspot:
    """One simulated detection with the CSV's raw values (acq_time already un-padded)."""

    row: dict[str, str]
    lat: float
    lon: float
    acquired_at: datetime


class FireModel:
    """Deterministic hotspots per (source, UTC day)."""

    def __init__(self, seed: int, activity: Callable[[date], float | None] | None = None,
                 fronts: tuple[FireFront, ...] = ()) -> None:
        """``activity`` (a scenario's) gives a floor on the season's fire activity for a UTC day, or None;
        ``fronts`` are a scenario's own fires, detected besides the season's."""
        self.seed = seed
        districts = load_seed("districts")
        self.forested = [d for d in districts if d["forested"]]
        self._weights = [_DISTRICT_WEIGHT.get(d["name_en"], 1.0) for d in self.forested]
        self._activity = activity
        self._fronts = fronts

    def day_hotspots(self, source: str, day: date) -> list[Hotspot]:
        """Every detection of ``source`` on UTC ``day`` (before the latency cut-off is applied)."""
        out: list[Hotspot] = []
        modis = source == "MODIS_NRT"
        activity = _MONTH_ACTIVITY[day.month]
        floor = self._activity(day) if self._activity is not None else None
        if floor is not None:
            activity = max(activity, floor)
        for index, (sat, hour, minute, daynight) in enumerate(_PASSES[source]):
            r = rng(self.seed, "firms", source, day.isoformat(), index)
            # Real overpass times drift by tens of minutes from day to day.
            t = datetime.combine(day, time(hour, minute), tzinfo=UTC) + timedelta(minutes=r.randint(-35, 35))
            expected = activity * (55 if daynight == "D" else 18) * (0.6 if modis else 1.0)
            count = max(0, int(r.gauss(expected, math.sqrt(expected + 1))))
            for _ in range(count):
                district = r.choices(self.forested, self._weights)[0]
                lat = min(max(r.gauss(district["lat"], 0.07), PROVINCE_BOX[1]), PROVINCE_BOX[3])
                lon = min(max(r.gauss(district["lon"], 0.07), PROVINCE_BOX[0]), PROVINCE_BOX[2])
                out.append(self._hotspot(r, modis, sat, daynight, t, round(lat, 5), round(lon, 5)))
            for front in self._fronts:
                if front.first <= t <= front.last:
                    out += self._front_hotspots(front, source, day, index, modis, sat, daynight, t)
        return out

    def _front_hotspots(self, front: FireFront, source: str, day: date, index: int, modis: bool, sat: str,
                        daynight: str, t: datetime) -> list[Hotspot]:
        # A stream of its own, so a scenario's fire leaves the season's detections as they were.
        r = rng(self.seed, "firms-front", front.name, source, day.isoformat(), index)
        count = max(1, round(front.per_pass * (0.6 if modis else 1.0)))
        return [self._hotspot(r, modis, sat, daynight, t, round(r.gauss(front.lat, front.spread_deg), 5),
                              round(r.gauss(front.lon, front.spread_deg), 5)) for _ in range(count)]

    @staticmethod
    def _hotspot(
        r: random.Random, modis: bool, sat: str, daynight: str, t: datetime, lat: float, lon: float
    ) -> Hotspot:
        frp = round(r.lognormvariate(1.8, 0.9), 2)
        acq_time = str(int(t.strftime("%H%M")))  # FIRMS writes HHMM without leading zeros ("630", "41")
        if modis:
            row = {
                "latitude": f"{lat}", "longitude": f"{lon}", "brightness": f"{r.uniform(305, 360):.2f}",
                "scan": f"{r.uniform(1.0, 3.5):.1f}", "track": f"{r.uniform(1.0, 1.8):.1f}",
                "acq_date": t.strftime("%Y-%m-%d"), "acq_time": acq_time, "satellite": sat, "instrument": "MODIS",
                "confidence": str(r.randint(30, 100)), "version": "6.1NRT",
                "bright_t31": f"{r.uniform(285, 305):.2f}", "frp": f"{frp}", "daynight": daynight,
            }
        else:
            row = {
                "latitude": f"{lat}", "longitude": f"{lon}", "bright_ti4": f"{r.uniform(300, 367):.2f}",
                "scan": f"{r.uniform(0.32, 0.8):.2f}", "track": f"{r.uniform(0.36, 0.78):.2f}",
                "acq_date": t.strftime("%Y-%m-%d"), "acq_time": acq_time, "satellite": sat, "instrument": "VIIRS",
                "confidence": r.choices(["l", "n", "h"], weights=[2, 6, 2])[0], "version": "2.0NRT",
                "bright_ti5": f"{r.uniform(275, 305):.2f}", "frp": f"{frp}", "daynight": daynight,
            }
        return Hotspot(row=row, lat=lat, lon=lon, acquired_at=t)

    def query(
        self, now: datetime, source: str, box: tuple[float, float, float, float], day_range: int, start: date | None
    ) -> list[Hotspot]:
        """What the area API returns: ``day_range`` UTC days (ending today, or starting at ``start``), inside ``box``,
        only detections older than the ~3 h processing latency."""
        first = start if start is not None else now.astimezone(UTC).date() - timedelta(days=day_range - 1)
        west, south, east, north = box
        out = []
        for offset in range(day_range):
            for spot in self.day_hotspots(source, first + timedelta(days=offset)):
                if spot.acquired_at + LATENCY > now:
                    continue
                if west <= spot.lon <= east and south <= spot.lat <= north:
                    out.append(spot)
        return out


def to_csv(source: str, spots: list[Hotspot]) -> str:
    """The CSV FIRMS returns (header always present, ``\\n`` line ends)."""
    columns = MODIS_COLUMNS if source == "MODIS_NRT" else VIIRS_COLUMNS
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for spot in spots:
        writer.writerow(spot.row)
    return buf.getvalue()


def _parse_box(area: str) -> tuple[float, float, float, float]:
    if area.lower() == "world":
        return (-180.0, -90.0, 180.0, 90.0)
    west, south, east, north = (float(v) for v in area.split(","))
    if not (west < east and south < north):
        raise ValueError(area)
    return west, south, east, north


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def make_blueprint(model: FireModel, clock: SimClock, map_keys: frozenset[str]) -> Blueprint:
    """The ``/firms`` routes; ``map_keys`` are the keys accepted (others get ``Invalid MAP_KEY.``)."""
    bp = Blueprint("firms", __name__, url_prefix="/firms")

    @bp.route("/api/area/csv/<map_key>/<source>/<area>/<int:day_range>")
    @bp.route("/api/area/csv/<map_key>/<source>/<area>/<int:day_range>/<day>")
    def area(map_key: str, source: str, area: str, day_range: int, day: str | None = None) -> Response:
        if map_key not in map_keys:
            return _text("Invalid MAP_KEY.")
        if source not in SOURCES:
            return _text(f"Invalid source: {source}. Valid sources: {', '.join(SOURCES)}", 400)
        if not 1 <= day_range <= 5:
            return _text("Invalid day range. Expects [1..5].", 400)
        try:
            box = _parse_box(area)
            start = date.fromisoformat(day) if day else None
        except ValueError:
            return _text("Invalid area coordinates or date.", 400)
        spots = model.query(clock.now(), source, box, day_range, start)
        return Response(to_csv(source, spots), mimetype="text/csv")

    return bp
