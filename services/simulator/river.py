"""Simulated ThaiWater water levels for the Ping River, with rain events that send a flood wave downstream.

Routes (prefix ``/thaiwater``): ``/api/v1/thaiwater30/public/waterlevel_load`` returns
``{"waterlevel_data": {"data": [...]}, "scale": {...}}`` with ThaiWater's record fields and quirks (``waterlevel_msl``
a string at some stations, seconds in some datetimes, ``diff_wl_bank`` always positive with the sign in Thai text).
``?nested=1`` wraps it as ``{"result": "OK", "data": {...}}``, the other shape the real service sends.

``/api/v1/thaiwater30/public/waterlevel_graph?station_type=tele_waterlevel&station_id=<id>&start_date=&end_date=``
is one gauge's history: ``{"result": "OK", "data": {"graph_data": [{"datetime", "value", "discharge"}, ...],
"min_bank", "ground_level"}}``, every 10-minute slot of the Thai-local days asked (at most 31), the level above sea
level (m) and the flow (m³/s, RID gauges only). Slots after the newest reading come as null, as do the slots of a
telemetry outage (a few hours, now and then). The shape is *unverified*: it follows public clients of the API, not
documentation. Levels are a pure function of time, so history and the latest endpoint always agree.

Rain model: time is cut into 48 h slots; each slot holds at most one storm, drawn from (seed, slot) with a
probability that follows the monsoon. A storm adds a gamma-shaped wave (peak 12 h after it reaches a station) scaled by
its intensity (overlapping waves saturate); each station sees it ``lag_h`` hours after the storm starts. At P.1 a
strong storm exceeds bank-full (3.70 m).

A scenario may set the weather around its start instead (:class:`FloodCrest`): its storms replace the drawn ones in
its window, and the last storm's intensity is solved so that one gauge reads a given level at the first reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, jsonify, request

from services.simulator.clock import SimClock
from services.simulator.determinism import rng, unit
from services.simulator.seed import load_seed
from services.simulator.timefmt import THAI, to_thai

SLOT = timedelta(hours=48)
READING_EVERY = timedelta(minutes=10)
# Seasonal scale of each station's base level (P.1 stays within about 1.5–2.2 m without rain).
_MONTH_BASE = {1: 0.9, 2: 0.87, 3: 0.85, 4: 0.85, 5: 0.9, 6: 1.0, 7: 1.05, 8: 1.15, 9: 1.2, 10: 1.1, 11: 1.0, 12: 0.95}
_MONTH_STORMS = {1: 0.03, 2: 0.03, 3: 0.05, 4: 0.1, 5: 0.25, 6: 0.35, 7: 0.45, 8: 0.55, 9: 0.6, 10: 0.4, 11: 0.15,
                 12: 0.05}
_AGENCIES = {
    "rid": {"agency_name": {"th": "กรมชลประทาน", "en": "Royal Irrigation Department"},
            "agency_shortname": {"en": "RID"}},
    "hii": {"agency_name": {"th": "สถาบันสารสนเทศทรัพยากรน้ำ (องค์การมหาชน)", "en": "Hydro-Informatics Institute"},
            "agency_shortname": {"en": "HII"}},
}
SCALE = {
    "waterlevel": [
        {"level": 1, "operator": "<=", "term": 10, "color": "#DB802B",
         "situation": {"th": "น้อยวิกฤต", "en": "Critically low"}},
        {"level": 2, "operator": "<=", "term": 30, "color": "#FFC000",
         "situation": {"th": "น้อย", "en": "Low"}},
        {"level": 3, "operator": "<=", "term": 70, "color": "#00B050",
         "situation": {"th": "ปกติ", "en": "Normal"}},
        {"level": 4, "operator": "<=", "term": 100, "color": "#003CFA",
         "situation": {"th": "มาก", "en": "High"}},
        {"level": 5, "operator": ">", "term": 100, "color": "#FF0000",
         "situation": {"th": "ล้นตลิ่ง", "en": "Overbank"}},
    ]
}
MAX_GRAPH_DAYS = 31
OUTAGE_CHANCE = 0.04  # per gauge and UTC day: the telemetry goes silent for a few hours
OVERBANK_TEXT = "ล้นตลิ่ง (ม.)"
BELOW_BANK_TEXT = "ต่ำกว่าตลิ่ง (ม.)"


@dataclass(frozen=True)
class RainEvent:
    """One storm: when it starts (UTC) and how strong it is (1.0 ≈ a P.1 rise of ``rain_gain_m``)."""

    start: datetime
    intensity: float


@dataclass(frozen=True)
class FloodCrest:
    """A scenario's weather: storms that bring ``station`` to ``level_m`` at the reading published at ``at``.

    ``storms`` are (hours before ``at`` the storm starts, intensity); the last one's intensity is None and is solved
    for the level. Drawn storms starting in ``window`` (UTC, [start, end)) are replaced by these."""

    station: str
    level_m: float
    at: datetime
    storms: tuple[tuple[float, float | None], ...]
    window: tuple[datetime, datetime]


def _wave(hours: float) -> float:
    """Unit flood wave: 0 before arrival, peak 1.0 at 12 h, a long recession tail."""
    if hours <= 0:
        return 0.0
    x = hours / 12.0
    return x * math.exp(1.0 - x)


class RiverModel:
    """Deterministic gauge levels per station from the seed, the season and the rain events."""

    def __init__(self, seed: int, flood: FloodCrest | None = None) -> None:
        self.seed = seed
        self.stations: list[dict] = load_seed("river_stations")
        self._by_code = {s["oldcode"]: s for s in self.stations}
        self.flood = flood
        self._scenario_storms: list[RainEvent] = []
        if flood is not None:
            self._scenario_storms = self._solve(flood)

    def station(self, code: str) -> dict:
        return self._by_code[code]

    def rain_events(self, start: datetime, end: datetime) -> list[RainEvent]:
        """Storms that start in [start, end)."""
        events = []
        slot = math.floor(start.timestamp() / SLOT.total_seconds())
        while True:
            slot_start = datetime.fromtimestamp(slot * SLOT.total_seconds(), UTC)
            if slot_start >= end:
                break
            r = rng(self.seed, "rain", slot)
            if r.random() < _MONTH_STORMS[to_thai(slot_start).month]:
                event = RainEvent(slot_start + timedelta(hours=r.uniform(0, 48)), round(r.uniform(0.45, 1.25), 3))
                if start <= event.start < end:
                    events.append(event)
            slot += 1
        if self.flood is not None:
            first, last = self.flood.window
            events = [e for e in events if not first <= e.start < last]
            events += [e for e in self._scenario_storms if start <= e.start < end]
            events.sort(key=lambda e: e.start)
        return events

    def _solve(self, flood: FloodCrest) -> list[RainEvent]:
        """The scenario's storms, the last one as strong as it takes to bring the gauge to ``flood.level_m`` at the
        reading the service publishes at ``flood.at`` (the inverse of :meth:`level`)."""
        at = self.observed_at(flood.at)
        st = self._by_code[flood.station]
        fixed = [RainEvent(at - timedelta(hours=h), i) for h, i in flood.storms if i is not None]
        solved_hours = next(h for h, i in flood.storms if i is None)
        self._scenario_storms = fixed  # the level without the storm being solved for
        known = sum(e.intensity * _wave((at - e.start).total_seconds() / 3600 - st["lag_h"])
                    for e in self.rain_events(at - timedelta(days=12), at))
        base = st["base_m"] * _MONTH_BASE[to_thai(at).month] + self._ripple(flood.station, at)
        rise = (flood.level_m - base) / st["rain_gain_m"]
        if not 0 <= rise < 1 / 0.35:
            raise ValueError(f"{flood.station} cannot reach {flood.level_m} m in this model")
        needed = rise / (1 - 0.35 * rise)  # inverse of the saturation in level()
        reach = _wave(solved_hours - st["lag_h"])
        if reach <= 0:
            raise ValueError(f"the solved storm reaches {flood.station} after the crest reading")
        solved = RainEvent(at - timedelta(hours=solved_hours), max(needed - known, 0.0) / reach)
        return sorted([*fixed, solved], key=lambda e: e.start)

    def _ripple(self, code: str, at: datetime) -> float:
        return 0.04 * (unit(self.seed, "river", code, int(at.timestamp() // 600)) - 0.5)

    def level(self, code: str, at: datetime) -> float:
        """Local gauge level (m) at ``code`` at time ``at``."""
        return self._level(code, at, self.rain_events(at - timedelta(days=12), at))

    def _level(self, code: str, at: datetime, events: list[RainEvent]) -> float:
        """:meth:`level` with the storms given (only those that started before ``at`` count, as in ``level``)."""
        st = self._by_code[code]
        base = st["base_m"] * _MONTH_BASE[to_thai(at).month]
        wave = sum(
            e.intensity * _wave((at - e.start).total_seconds() / 3600 - st["lag_h"])
            for e in events if at - timedelta(days=12) <= e.start < at
        )
        # Back-to-back storms saturate (the floodplain spreads the water) instead of simply adding up.
        rise = wave / (1.0 + 0.35 * wave)
        return round(base + st["rain_gain_m"] * rise + self._ripple(code, at), 2)

    def observed_at(self, now: datetime) -> datetime:
        """Time of the newest reading: telemetry reports every 10 minutes, one interval behind."""
        step = READING_EVERY.total_seconds()
        return datetime.fromtimestamp((now.timestamp() // step) * step, UTC) - READING_EVERY

    def record(self, code: str, now: datetime, index: int) -> dict:
        """One ``waterlevel_data.data`` record exactly as ThaiWater writes it."""
        st = self._by_code[code]
        at = self.observed_at(now)
        level = self.level(code, at)
        previous = self.level(code, at - READING_EVERY)
        msl = round(st["gauge_zero"] + level, 2)
        msl_prev = round(st["gauge_zero"] + previous, 2)
        depth = st["min_bank"] - st["ground_level"]
        storage = round((msl - st["ground_level"]) / depth * 100, 2)
        situation = next((s["level"] for s in SCALE["waterlevel"][:4] if storage <= s["term"]), 5)
        flow = _flow(level)
        as_text = st["msl_as_string"]
        local = to_thai(at)
        stamp = "%Y-%m-%d %H:%M:%S" if st["seconds_in_datetime"] else "%Y-%m-%d %H:%M"
        return {
            "id": int(at.timestamp() // 600) * 100 + index,
            "waterlevel_datetime": local.strftime(stamp),
            "waterlevel_m": None if st["agency"] == "hii" and code != "CHM004" else level,
            "waterlevel_msl": f"{msl:.2f}" if as_text else msl,
            "waterlevel_msl_previous": f"{msl_prev:.2f}" if as_text else msl_prev,
            "flow_rate": flow if st["agency"] == "rid" else None,
            "discharge": None,
            "storage_percent": f"{storage:.2f}" if as_text else storage,
            "situation_level": situation,
            "diff_wl_bank": round(abs(st["min_bank"] - msl), 2),
            "diff_wl_bank_text": OVERBANK_TEXT if msl > st["min_bank"] else BELOW_BANK_TEXT,
            "river_name": st["river_th"],
            "agency": _AGENCIES[st["agency"]],
            "basin": {"basin_code": "06", "basin_name": {"th": "ลุ่มน้ำปิง", "en": "Ping River Basin"}},
            "geocode": {
                "province_code": st["province_code"],
                "province_name": {"th": st["province_th"], "en": st["province_en"]},
                "amphoe_name": {"th": st["amphoe"]},
                "tumbon_name": {"th": st["tumbon"]},
            },
            "station": {
                "id": st["id"],
                "tele_station_name": {"th": st["name_th"], "en": st["name_en"]},
                "tele_station_lat": st["lat"],
                "tele_station_long": st["lon"],
                "tele_station_oldcode": st["oldcode"],
                "left_bank": st["left_bank"],
                "right_bank": st["right_bank"],
                "min_bank": st["min_bank"],
                "ground_level": st["ground_level"],
            },
        }

    def payload(self, now: datetime) -> dict:
        """The whole waterlevel_load answer."""
        data = [self.record(s["oldcode"], now, i) for i, s in enumerate(self.stations)]
        return {"waterlevel_data": {"data": data}, "scale": SCALE}


    def silent(self, code: str, at: datetime) -> bool:
        """Whether the gauge's telemetry was down at ``at`` (no value in the history, a gap in the charts)."""
        day = math.floor(at.timestamp() / 86400)
        r = rng(self.seed, "river-outage", code, day)
        if r.random() >= OUTAGE_CHANCE:
            return False
        begin = day * 86400 + r.uniform(0, 20) * 3600
        return begin <= at.timestamp() < begin + r.uniform(2, 6) * 3600

    def graph_payload(self, station_id: int, now: datetime, first: date, last: date) -> dict:
        """waterlevel_graph of the gauge with ThaiWater id ``station_id`` over the Thai-local days first..last."""
        st = next(s for s in self.stations if s["id"] == station_id)
        code = st["oldcode"]
        newest = self.observed_at(now)
        start = datetime(first.year, first.month, first.day, tzinfo=THAI).astimezone(UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=THAI).astimezone(UTC) + timedelta(days=1)
        events = self.rain_events(start - timedelta(days=12), min(end, newest + READING_EVERY))
        points = []
        at = start
        while at < end:
            value = discharge = None
            if at <= newest and not self.silent(code, at):
                level = self._level(code, at, events)
                value = round(st["gauge_zero"] + level, 2)
                discharge = _flow(level) if st["agency"] == "rid" else None
            points.append({"datetime": to_thai(at).strftime("%Y-%m-%d %H:%M"), "value": value,
                           "discharge": discharge})
            at += READING_EVERY
        return {"result": "OK", "data": {"graph_data": points, "min_bank": st["min_bank"],
                                         "ground_level": st["ground_level"]}}


def _flow(level: float) -> float:
    """Rating curve scaled so P.1 carries 490 m³/s at bank-full (3.70 m)."""
    return round(490 * max(level - 0.3, 0.0) ** 1.6 / 3.4**1.6, 1)


def _graph_error(reason: str):  # type: ignore[no-untyped-def]
    # ThaiWater's refusal shape, as the latest endpoint's (*unverified* for this route).
    return jsonify({"result": "NO", "data": reason})


def make_blueprint(model: RiverModel, clock: SimClock) -> Blueprint:
    """The ``/thaiwater`` routes."""
    bp = Blueprint("thaiwater", __name__, url_prefix="/thaiwater")

    @bp.route("/api/v1/thaiwater30/public/waterlevel_load")
    def waterlevel_load():  # type: ignore[no-untyped-def]
        body = model.payload(clock.now())
        if request.args.get("nested") == "1":
            body = {"result": "OK", "data": body}
        return jsonify(body)

    @bp.route("/api/v1/thaiwater30/public/waterlevel_graph")
    def waterlevel_graph():  # type: ignore[no-untyped-def]
        args = request.args
        raw_id = (args.get("station_id") or "").strip()
        if not raw_id:
            return _graph_error("station_id is required")
        if not raw_id.isdigit() or all(s["id"] != int(raw_id) for s in model.stations):
            return _graph_error(f"station {raw_id} not found")
        try:
            first = date.fromisoformat(args.get("start_date", ""))
            last = date.fromisoformat(args.get("end_date", ""))
        except ValueError:
            return _graph_error("start_date and end_date must be YYYY-MM-DD dates")
        if last < first:
            return _graph_error("end_date is before start_date")
        if (last - first).days + 1 > MAX_GRAPH_DAYS:
            return _graph_error(f"at most {MAX_GRAPH_DAYS} days at a time")
        return jsonify(model.graph_payload(int(raw_id), clock.now(), first, last))

    return bp
