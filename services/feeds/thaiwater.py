"""ThaiWater public water levels (``waterlevel_load``, and one gauge's history ``waterlevel_graph``) → ``RiverReading``.

Numbers arrive as text or numbers; ``diff_wl_bank`` is always positive and its sign lives in ``diff_wl_bank_text``
("ล้นตลิ่ง" overbank, "ต่ำกว่าตลิ่ง" below bank). Times are Thai local without an offset.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.payload import dig, excerpt, guess_kind, load_json, to_float, to_int, to_str
from services.feeds.thai_time import parse_thai_local
from services.feeds.validation import THAILAND, admit, read_coordinate
from services.records import ParseResult, Rejection, RiverReading

# Levels can legitimately be negative (a gauge zero above the water), so only empty text / dashes mean missing.
_MISSING = ("", "-", "--", "N/A", "null")
_OVERBANK = ("ล้นตลิ่ง", "overbank", "over bank", "above bank")
_BELOW_BANK = ("ต่ำกว่าตลิ่ง", "below bank", "under bank")
# Levels, banks and flows are metres (above the gauge zero or sea level) and m³/s; a magnitude past this is a data
# error, and one near the float limit would turn the bank difference into infinity.
_MAX_MAGNITUDE = 1_000_000.0


def waterlevel_url(base: str) -> str:
    """URL of the public latest water levels."""
    return base.rstrip("/") + "/api/v1/thaiwater30/public/waterlevel_load"


def _records(doc: Any) -> list[Any]:
    """The record list, wherever this response put it."""
    candidates = (
        dig(doc, "waterlevel_data", "data"),
        dig(doc, "data", "waterlevel_data", "data"),
        dig(doc, "data", "waterlevel_data"),
        dig(doc, "waterlevel_data"),
        dig(doc, "data", "data"),
        dig(doc, "data"),
    )
    for candidate in candidates:
        if isinstance(candidate, list):
            return candidate
    raise WrongPayloadKind(f"ThaiWater: no waterlevel_data.data list in {guess_kind(doc)}")


def _number(holder: Any, key: str, where: str, notes: list[Rejection]) -> float | None:
    try:
        value = to_float(holder.get(key) if isinstance(holder, dict) else None, _MISSING)
    except ValueError as exc:
        notes.append(Rejection(where, f"{key} dropped: {exc}"))
        return None
    if value is not None and abs(value) > _MAX_MAGNITUDE:
        notes.append(Rejection(where, f"{key} dropped: {value:g} is not a plausible value"))
        return None
    return value


def _coordinate_value(raw: Any) -> float | None:
    return to_float(raw, _MISSING, keep_non_finite=True)


def _bank_diff(record: dict[str, Any], level_msl: float | None, min_bank: float | None, where: str,
               notes: list[Rejection]) -> float | None:
    diff = _number(record, "diff_wl_bank", where, notes)
    text = (to_str(record.get("diff_wl_bank_text")) or "").lower()
    if diff is not None and text:
        if any(word in text for word in _OVERBANK):
            return abs(diff)
        if any(word in text for word in _BELOW_BANK):
            return -abs(diff)
    # No usable sign text: compute from the levels when both are known (the sign then comes for free).
    if level_msl is not None and min_bank is not None:
        return round(level_msl - min_bank, 3)
    return None


def _reading(record: Any, where: str, result: ParseResult[RiverReading]) -> RiverReading | None:
    rejected, notes = result.rejected, result.notes
    if not isinstance(record, dict):
        rejected.append(Rejection(where, "record is not an object"))
        return None
    station = record.get("station") if isinstance(record.get("station"), dict) else {}
    station_id = to_str(station.get("id"))
    code = to_str(station.get("tele_station_oldcode")) or station_id
    if code is None:
        rejected.append(Rejection(where, "no station code or id"))
        return None
    where = f"{where} ({code})"
    try:
        observed_at = parse_thai_local(to_str(record.get("waterlevel_datetime")) or "")
    except ValueError as exc:
        rejected.append(Rejection(where, f"bad waterlevel_datetime: {exc}"))
        return None
    level_msl = _number(record, "waterlevel_msl", where, notes)
    min_bank = _number(station, "min_bank", where, notes)
    # ThaiWater's network covers all of Thailand; a gauge placed elsewhere keeps its reading, not its place.
    try:
        lat, lon = read_coordinate(station.get("tele_station_lat"), station.get("tele_station_long"), THAILAND,
                                   _coordinate_value)
    except ValueError as exc:
        notes.append(Rejection(where, f"coordinate dropped, reading kept: {exc}"))
        lat = lon = None
    try:
        situation = to_int(record.get("situation_level"), _MISSING)
    except ValueError:
        situation = None
    if situation is not None and not 1 <= situation <= 5:
        situation = None
    flow = _number(record, "flow_rate", where, notes)
    if flow is None:
        flow = _number(record, "discharge", where, notes)
    names = station.get("tele_station_name") if isinstance(station.get("tele_station_name"), dict) else {}
    return RiverReading(
        station_code=code,
        name_th=to_str(names.get("th")),
        name_en=to_str(names.get("en")),
        lat=lat,
        lon=lon,
        observed_at=observed_at,
        level_m=_number(record, "waterlevel_m", where, notes),
        level_msl=level_msl,
        bank_diff_m=_bank_diff(record, level_msl, min_bank, where, notes),
        situation_level=situation,
        province_code=to_str(dig(record, "geocode", "province_code")),
        river_name=to_str(record.get("river_name")),
        flow_m3s=flow,
        station_id=station_id,
        min_bank_msl=min_bank,
        ground_level_msl=_number(station, "ground_level", where, notes),
    )


def parse_waterlevel(body: bytes | str) -> ParseResult[RiverReading]:
    """Parse a ``waterlevel_load`` response (plain or nested under ``data``) into readings.

    ``{"result": "NO", "data": "..."}`` raises ``MalformedPayload`` carrying the server's reason.
    """
    doc = load_json(body, "ThaiWater water levels")
    if isinstance(doc, dict) and (to_str(doc.get("result")) or "").upper() == "NO":
        raise MalformedPayload(f"ThaiWater says: {excerpt(to_str(doc.get('data')) or 'result NO')}")
    result: ParseResult[RiverReading] = ParseResult()
    for index, record in enumerate(_records(doc)):
        reading = _reading(record, f"data[{index}]", result)
        if reading is not None:
            admit(result, reading, f"data[{index}] ({reading.station_code})")
    return result


def waterlevel_graph_url(base: str) -> str:
    """URL of one gauge's water-level history (``?station_type=tele_waterlevel&station_id=…&start_date=…``)."""
    return base.rstrip("/") + "/api/v1/thaiwater30/public/waterlevel_graph"


def waterlevel_graph_params(station_id: str, start: date, end: date) -> dict[str, str]:
    """Query of :func:`waterlevel_graph_url`: one station, Thai-local dates (both inclusive)."""
    return {"station_type": "tele_waterlevel", "station_id": str(station_id), "start_date": start.isoformat(),
            "end_date": end.isoformat()}


def parse_waterlevel_graph(body: bytes | str, station_code: str, station_id: str | None = None
                           ) -> ParseResult[RiverReading]:
    """Parse one gauge's ``waterlevel_graph`` answer into readings of ``station_code`` (the answer does not name it).

    Shape (*unverified*: taken from public clients of the API, not from documentation)::

        {"result": "OK", "data": {"graph_data": [{"datetime": "YYYY-MM-DD HH:MM", "value": <m MSL | null>,
                                                   "discharge": <m³/s | null>}, ...],
                                  "min_bank": <m MSL>, "ground_level": <m MSL>}}

    Some clients also accept ``graph_data`` (with ``min_bank`` / ``ground_level``) at the top level: so do we. Times
    are Thai local without an offset. The slots of the day that are not filled yet come as null values: they are
    dropped, never stored as 0. Readings carry the level above sea level only (``level_m`` None): the local gauge
    level needs the gauge's zero, which the store knows (services.store.river_history). ``{"result": "NO"}``
    raises ``MalformedPayload`` with the server's reason.
    """
    doc = load_json(body, "ThaiWater water-level graph")
    if not isinstance(doc, dict):
        raise WrongPayloadKind(f"ThaiWater graph: expected an object, got {guess_kind(doc)}")
    if (to_str(doc.get("result")) or "").upper() == "NO":
        raise MalformedPayload(f"ThaiWater says: {excerpt(to_str(doc.get('data')) or 'result NO')}")
    holder = doc.get("data") if isinstance(doc.get("data"), dict) else doc
    points = holder.get("graph_data")
    if not isinstance(points, list):
        raise WrongPayloadKind(f"ThaiWater graph: no graph_data list in {guess_kind(doc)}")
    result: ParseResult[RiverReading] = ParseResult()
    min_bank = _number(holder, "min_bank", "min_bank", result.notes)
    ground = _number(holder, "ground_level", "ground_level", result.notes)
    for index, point in enumerate(points):
        where = f"graph_data[{index}]"
        if not isinstance(point, dict):
            result.rejected.append(Rejection(where, "point is not an object"))
            continue
        try:
            observed_at = parse_thai_local(to_str(point.get("datetime")) or "")
        except ValueError as exc:
            result.rejected.append(Rejection(where, f"bad datetime: {exc}"))
            continue
        level_msl = _number(point, "value", where, result.notes)
        if level_msl is None:
            continue  # a slot not filled yet (or a value that is not a number, noted): no reading, never a 0
        reading = RiverReading(
            station_code=station_code, name_th=None, name_en=None, lat=None, lon=None, observed_at=observed_at,
            level_m=None, level_msl=level_msl,
            bank_diff_m=round(level_msl - min_bank, 3) if min_bank is not None else None,
            situation_level=None, province_code=None, flow_m3s=_number(point, "discharge", where, result.notes),
            station_id=station_id, min_bank_msl=min_bank, ground_level_msl=ground,
        )
        admit(result, reading, f"{where} ({station_code})")
    return result
