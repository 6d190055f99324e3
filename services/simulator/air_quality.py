"""Simulated Air4Thai: haze-season PM2.5 with a daily cycle, served in Air4Thai's exact JSON shapes.

Routes (blueprint prefix ``/air4thai``): ``/services/getNewAQI_JSON.php`` and ``/forweb/getAQI_JSON.php`` (latest,
optional ``?stationID=``) and ``/forweb/getHistoryData.php`` (hourly history). Every hourly value is a pure function of
(seed, station, hour), so the latest endpoint's 24 h mean and the history endpoint always agree, and tests can
predict values through :class:`AirQualityModel`. A scenario may add a haze episode (:class:`HazeEpisode`) that takes
PM2.5 to chosen 24 h levels per station, with the same daily cycle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Blueprint, jsonify, request

from services.simulator import aqi
from services.simulator.clock import SimClock
from services.simulator.determinism import unit
from services.simulator.seed import load_seed
from services.simulator.timefmt import THAI, floor_hour, to_thai

# Typical 24 h PM2.5 (µg/m³) in Chiang Mai by month: the burning season peaks in March.
_MONTH_BASE = {1: 40, 2: 58, 3: 82, 4: 66, 5: 28, 6: 14, 7: 10, 8: 10, 9: 11, 10: 14, 11: 20, 12: 30}
# Mean window per pollutant in the "latest" payload (hours), as the Thai standard averages them.
_WINDOW = {"PM25": 24, "PM10": 24, "O3": 8, "CO": 8, "NO2": 1, "SO2": 1}
# Air4Thai publishes the hour about 20 minutes after it ends.
PUBLISH_DELAY = timedelta(minutes=20)
MAX_HISTORY_HOURS = 31 * 24


def _daily_cycle(local_hour: float) -> float:
    """Worse in the early morning (inversion) and the evening, cleanest in the afternoon."""
    morning = 0.35 * math.exp(-((local_hour - 7) ** 2) / 8)
    evening = 0.25 * math.exp(-((local_hour - 21) ** 2) / 10)
    afternoon = 0.3 * math.exp(-((local_hour - 15) ** 2) / 10)
    return 1.0 + morning + evening - afternoon


# The cycle's mean over a day of hourly values: dividing by it makes any 24 h mean equal the day's level.
_CYCLE_MEAN = sum(_daily_cycle(h + 0.5) for h in range(24)) / 24


@dataclass(frozen=True)
class HazeEpisode:
    """A scenario's haze: PM2.5 held at ``levels`` (24 h means, µg/m³, per station ID) from ``full_from`` to
    ``full_until``, blended in from the seasonal values over ``ramp`` before and out over ``ramp`` after. Stations
    without a level keep their seasonal values."""

    levels: Mapping[str, float]
    full_from: datetime
    full_until: datetime
    ramp: timedelta

    def weight(self, at: datetime) -> float:
        """How much of the episode is in the air at ``at``: 0 outside it, 1 at its height."""
        if self.full_from <= at <= self.full_until:
            return 1.0
        gap = (self.full_from - at) if at < self.full_from else (at - self.full_until)
        return max(0.0, 1.0 - gap / self.ramp)

    def pm25(self, station_id: str, at: datetime, seasonal: float, shape: float) -> float:
        """The hour's PM2.5: the seasonal value blended with the episode's level × ``shape`` (the hour's daily cycle
        and noise, mean 1 over a day)."""
        level = self.levels.get(station_id)
        weight = self.weight(at) if level is not None else 0.0
        return seasonal if weight == 0 else seasonal * (1 - weight) + level * shape * weight


def haze_levels(chiang_mai: tuple[float, float], neighbour: float) -> dict[str, float]:
    """24 h PM2.5 per station for an episode: the Chiang Mai stations spread over ``chiang_mai`` (least to most hazy)
    by their haze factor (1.0–1.45), the neighbouring provinces' ``neighbour`` × theirs."""
    low, high = chiang_mai
    levels = {}
    for station in load_seed("air_stations"):
        if station["areaEN"].strip().endswith("Chiang Mai"):
            share = min(max((station["haze"] - 1.0) / 0.45, 0.0), 1.0)
            levels[station["stationID"]] = round(low + (high - low) * share, 1)
        else:
            levels[station["stationID"]] = round(neighbour * station["haze"], 1)
    return levels


class AirQualityModel:
    """Deterministic hourly pollutant values per station (seed + simulated hour)."""

    def __init__(self, seed: int, haze: HazeEpisode | None = None) -> None:
        self.seed = seed
        self.stations: list[dict] = load_seed("air_stations")
        self._by_id = {s["stationID"]: s for s in self.stations}
        self.haze = haze

    def station(self, station_id: str) -> dict | None:
        return self._by_id.get(station_id)

    def latest_hour(self, now: datetime) -> datetime:
        """Hour-ending (UTC) of the newest hour the service has published at ``now``."""
        return floor_hour(now - PUBLISH_DELAY)

    def _episode(self, moment: datetime) -> float:
        # Multi-day haze episodes: one regional draw per day, interpolated so values drift smoothly.
        days = moment.timestamp() / 86400
        day = math.floor(days)
        frac = days - day
        a, b = unit(self.seed, "air-day", day), unit(self.seed, "air-day", day + 1)
        return 0.6 + 0.8 * (a + (b - a) * frac)

    def hourly(self, station_id: str, hour_end: datetime) -> dict[str, float | None]:
        """One hour's values (hour-ending ``hour_end``, UTC). Pollutants the station lacks, and data gaps, are None."""
        st = self._by_id[station_id]
        hour_end = floor_hour(hour_end)
        hkey = int(hour_end.timestamp() // 3600)
        out: dict[str, float | None] = dict.fromkeys(aqi.PARAMS)
        if unit(self.seed, "air-gap", station_id, hkey) < 0.02:
            return out  # the analyser was offline that hour
        local = to_thai(hour_end - timedelta(minutes=30))
        lh = local.hour + 0.5
        noise = 0.85 + 0.3 * unit(self.seed, "air-noise", station_id, hkey)
        pm25 = _MONTH_BASE[local.month] * st["haze"] * _daily_cycle(lh) * self._episode(hour_end) * noise
        if self.haze is not None:
            # Half the seasonal noise: an episode's stagnant air varies less from hour to hour.
            pm25 = self.haze.pm25(station_id, hour_end, pm25, _daily_cycle(lh) / _CYCLE_MEAN * (1 + (noise - 1) / 2))
        sun = max(0.0, math.sin(math.pi * (lh - 6) / 12))
        traffic = 1.0 + 0.8 * math.exp(-((lh - 8) ** 2) / 3) + 0.7 * math.exp(-((lh - 18) ** 2) / 3)
        values = {
            "PM25": pm25,
            "PM10": pm25 * (1.45 + 0.3 * unit(self.seed, "air-pm10", station_id, hkey)),
            "O3": 8 + 40 * sun * (0.6 + pm25 / 150) + 6 * unit(self.seed, "air-o3", station_id, hkey),
            "CO": 0.15 + pm25 / 110 + 0.3 * st["urban"] * traffic * unit(self.seed, "air-co", station_id, hkey),
            "NO2": 3 + 14 * st["urban"] * traffic + 4 * unit(self.seed, "air-no2", station_id, hkey),
            "SO2": 1 + 3 * unit(self.seed, "air-so2", station_id, hkey),
        }
        for param in st["params"]:
            out[param] = round(values[param], 2 if param == "CO" else 1)
        return out

    def window_mean(self, station_id: str, param: str, hour_end: datetime, hours: int) -> float | None:
        """Mean of the hourly values over the ``hours`` ending at ``hour_end`` (gaps skipped)."""
        vals = [self.hourly(station_id, hour_end - timedelta(hours=i))[param] for i in range(hours)]
        present = [v for v in vals if v is not None]
        if not present:
            return None
        return round(sum(present) / len(present), 2 if param == "CO" else 1)

    def latest_values(self, station_id: str, now: datetime) -> dict[str, float | None]:
        """The values the latest endpoint reports: PM 24 h means, O3/CO 8 h means, NO2/SO2 the last hour."""
        hour = self.latest_hour(now)
        st = self._by_id[station_id]
        return {
            p: (self.window_mean(station_id, p, hour, _WINDOW[p]) if p in st["params"] else None) for p in aqi.PARAMS
        }

    def station_payload(self, station_id: str, now: datetime) -> dict:
        """One station object exactly as getNewAQI_JSON.php writes it (strings everywhere)."""
        st = self._by_id[station_id]
        hour_local = to_thai(self.latest_hour(now))
        values = self.latest_values(station_id, now)
        last: dict = {"date": hour_local.strftime("%Y-%m-%d"), "time": hour_local.strftime("%H:00")}
        for param in aqi.PARAMS:
            value = values[param]
            if value is None:
                last[param] = {"color_id": "0", "aqi": "-999", "value": "-1"}
            else:
                idx = aqi.sub_index(param, value)
                last[param] = {"color_id": str(aqi.band_of(idx)), "aqi": str(idx), "value": _fmt(param, value)}
        total = aqi.overall(values)
        if total is None:
            last["AQI"] = {"color_id": "0", "aqi": "-999", "param": ""}
        else:
            last["AQI"] = {"color_id": str(total[1]), "aqi": str(total[0]), "param": total[2]}
        return {
            "stationID": st["stationID"],
            "nameTH": st["nameTH"],
            "nameEN": st["nameEN"],
            "areaTH": st["areaTH"],
            "areaEN": st["areaEN"],
            "stationType": "GROUND",
            "lat": f"{st['lat']:.6f}",
            "long": f"{st['lon']:.6f}",
            "forecast": [],
            "AQILast": last,
        }

    def latest_payload(self, now: datetime, station_id: str | None = None) -> dict:
        """``{"stations": [...]}``; one station when ``station_id`` names a known one, none when it is unknown."""
        ids = [s["stationID"] for s in self.stations] if not station_id else [station_id]
        return {"stations": [self.station_payload(i, now) for i in ids if i in self._by_id]}

    def history_payload(
        self, now: datetime, station_ids: list[str], params: list[str], start: datetime, end: datetime
    ) -> dict:
        """getHistoryData.php: hourly values labelled hour-ending, ``start`` to ``end`` (UTC), published hours only."""
        end = min(floor_hour(end), self.latest_hour(now))
        start = floor_hour(start)
        if (end - start) > timedelta(hours=MAX_HISTORY_HOURS):
            return {"result": "NO", "error": "Date range too long", "stations": []}
        hours = []
        cursor = start
        while cursor <= end:
            hours.append(cursor)
            cursor += timedelta(hours=1)
        stations = []
        for sid in station_ids:
            if sid not in self._by_id:
                continue
            rows = []
            for hour in hours:
                vals = self.hourly(sid, hour)
                row: dict = {"DATETIMEDATA": to_thai(hour).strftime("%Y-%m-%d %H:00:00")}
                for param in params:
                    row[param] = vals.get(param)
                rows.append(row)
            stations.append({"stationID": sid, "params": params, "data": rows})
        return {"result": "OK", "error": "", "stations": stations}


def _fmt(param: str, value: float) -> str:
    return f"{value:.2f}" if param == "CO" else f"{value:.1f}"


def _local_bound(day: str | None, hour: str | None, default_day: datetime, default_hour: int) -> datetime:
    d = datetime.strptime(day, "%Y-%m-%d").date() if day else default_day.date()
    h = int((hour or str(default_hour)).split(":")[0])
    # Hour labels run 00–23 (a 24 means midnight ending the day).
    return (datetime(d.year, d.month, d.day, tzinfo=THAI) + timedelta(hours=h)).astimezone(UTC)


def make_blueprint(model: AirQualityModel, clock: SimClock) -> Blueprint:
    """The ``/air4thai`` routes, reading time from ``clock``."""
    bp = Blueprint("air4thai", __name__, url_prefix="/air4thai")

    def latest():  # type: ignore[no-untyped-def]
        return jsonify(model.latest_payload(clock.now(), request.args.get("stationID") or None))

    bp.add_url_rule("/services/getNewAQI_JSON.php", "latest", latest)
    bp.add_url_rule("/forweb/getAQI_JSON.php", "latest_web", latest)

    @bp.route("/forweb/getHistoryData.php")
    def history():  # type: ignore[no-untyped-def]
        now = clock.now()
        args = request.args
        ids = [s.strip() for s in args.get("stationID", "").split(",") if s.strip()]
        params = [p.strip().upper() for p in args.get("param", "PM25").split(",") if p.strip()]
        today = to_thai(now)
        try:
            start = _local_bound(args.get("sdate"), args.get("stime"), today, 0)
            end = _local_bound(args.get("edate"), args.get("etime"), today, 23)
        except ValueError:
            return jsonify({"result": "NO", "error": "Invalid date or time", "stations": []})
        if not ids:
            return jsonify({"result": "NO", "error": "stationID is required", "stations": []})
        return jsonify(model.history_payload(now, ids, params, start, end))

    return bp
