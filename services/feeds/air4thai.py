"""Air4Thai (Pollution Control Department) payloads → ``AirReading``.

Latest values (``getNewAQI_JSON.php``) carry every number as text with "-1" / "-999" / "-9999" meaning missing;
history (``getHistoryData.php``) carries real numbers or null. Times are Thai local, hour-ending, without an offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.payload import dig, excerpt, guess_kind, load_json, to_float, to_str
from services.feeds.thai_aqi import aqi_from_values, band_for_aqi
from services.feeds.thai_time import parse_thai_local, thai_date_time
from services.feeds.validation import MAX_CONCENTRATION, THAILAND, admit, read_coordinate
from services.records import AirReading, ParseResult, Rejection

# Chiang Mai province box (west, south, east, north), for callers that want to keep only the province.
CHIANG_MAI_BOX = (98.011, 17.242, 99.573, 20.147)

# Payload key → AirReading field.
_POLLUTANTS = {"PM25": "pm25", "PM10": "pm10", "O3": "o3", "CO": "co", "NO2": "no2", "SO2": "so2"}


def latest_url(base: str, station_id: str | None = None) -> str:
    """URL of the latest values for every station (or one station)."""
    url = base.rstrip("/") + "/services/getNewAQI_JSON.php"
    return f"{url}?{urlencode({'stationID': station_id})}" if station_id else url


def history_url(
    base: str,
    station_ids: Iterable[str],
    params: Iterable[str],
    sdate: date | str,
    edate: date | str,
) -> str:
    """URL of hourly history for stations and params ("PM25", "PM10"…) between two Thai-local dates."""
    query = {
        "stationID": ",".join(station_ids),
        "param": ",".join(params),
        "type": "hr",
        "sdate": str(sdate),
        "edate": str(edate),
        "stime": "00",
        "etime": "23",
    }
    return base.rstrip("/") + "/forweb/getHistoryData.php?" + urlencode(query, safe=",")


def _coordinate_value(raw: Any) -> float | None:
    return to_float(raw, keep_non_finite=True)


def _coordinates(station: Mapping[str, Any], where: str, notes: list[Rejection]) -> tuple[float | None, float | None]:
    # Air4Thai's network covers all of Thailand; a station elsewhere (0,0 happens) keeps its reading, not its place.
    try:
        return read_coordinate(station.get("lat"), station.get("long"), THAILAND, _coordinate_value)
    except ValueError as exc:
        notes.append(Rejection(where, f"coordinate dropped, reading kept: {exc}"))
        return None, None


def _pollutant_value(block: Any, where: str, notes: list[Rejection]) -> float | None:
    # Current shape: {"color_id", "aqi", "value"}; 2019 shape: {"value", "unit"}; some old files: the bare value.
    raw = block.get("value") if isinstance(block, dict) else block
    try:
        value = to_float(raw)
    except ValueError as exc:
        notes.append(Rejection(where, f"value dropped: {exc}"))
        return None
    if value is not None and value < 0:
        # Concentrations cannot be negative; any other negative number is another missing-data marker.
        return None
    if value is not None and value > MAX_CONCENTRATION:
        notes.append(Rejection(where, f"value dropped: {value:g} is not a plausible concentration"))
        return None
    return value


def _payload_aqi(block: Any) -> tuple[int | None, int | None]:
    """The overall AQI and color_id the payload states (used only when no pollutant value is usable)."""
    if not isinstance(block, dict):
        return None, None
    try:
        aqi = to_float(block.get("aqi"))
        color = to_float(block.get("color_id"), missing=("0", "-1", "-999", "-9999", "N/A", "-", ""))
    except ValueError:
        return None, None
    aqi_int = int(aqi) if aqi is not None and 0 <= aqi <= MAX_CONCENTRATION else None
    band = int(color) if color is not None and 1 <= color <= 5 else None
    if aqi_int is not None and band is None:
        band = band_for_aqi(aqi_int)
    return aqi_int, band


def _station_reading(station: Any, where: str, result: ParseResult[AirReading]) -> AirReading | None:
    if not isinstance(station, dict):
        result.rejected.append(Rejection(where, f"station is a {type(station).__name__}, not an object"))
        return None
    station_id = to_str(station.get("stationID"))
    if station_id is None:
        result.rejected.append(Rejection(where, "no stationID"))
        return None
    where = f"{where} ({station_id})"
    last = station.get("AQILast")
    if not isinstance(last, dict):
        last = station.get("LastUpdate")  # the 2019 variant
    if not isinstance(last, dict):
        result.rejected.append(Rejection(where, "no AQILast / LastUpdate block"))
        return None
    try:
        observed_at = thai_date_time(to_str(last.get("date")) or "", to_str(last.get("time")) or "")
    except ValueError as exc:
        result.rejected.append(Rejection(where, f"bad observation time: {exc}"))
        return None
    values = {
        field: _pollutant_value(last.get(key), f"{where}.{key}", result.notes) for key, field in _POLLUTANTS.items()
    }
    aqi, band, _dominant = aqi_from_values(**values)
    if aqi is None:
        aqi, band = _payload_aqi(last.get("AQI"))
    lat, lon = _coordinates(station, where, result.notes)
    return AirReading(
        station_id=station_id,
        name_en=to_str(station.get("nameEN")),
        name_th=to_str(station.get("nameTH")),
        lat=lat,
        lon=lon,
        observed_at=observed_at,
        aqi=aqi,
        aqi_band=band,
        area_en=to_str(station.get("areaEN")),
        area_th=to_str(station.get("areaTH")),
        station_type=to_str(station.get("stationType")),
        **values,
    )


def parse_latest(body: bytes | str) -> ParseResult[AirReading]:
    """Parse ``{"stations": [...]}`` from getNewAQI_JSON.php (or the 2019 variant) into readings.

    The AQI is recomputed from the values with the 2023 table (the payload's own AQI is used only when no value is
    usable). A station whose coordinates fall outside Thailand is kept without coordinates and noted in ``notes``.
    """
    doc = load_json(body, "Air4Thai latest")
    stations = doc.get("stations") if isinstance(doc, dict) and "result" not in doc else None
    if not isinstance(stations, list):
        raise WrongPayloadKind(f"Air4Thai latest: expected {{\"stations\": [...]}}, got {guess_kind(doc)}")
    result: ParseResult[AirReading] = ParseResult()
    for index, station in enumerate(stations):
        where = f"stations[{index}]"
        reading = _station_reading(station, where, result)
        if reading is not None:
            admit(result, reading, f"{where} ({reading.station_id})")
    return result


def parse_history(body: bytes | str, stations: Mapping[str, Any] | None = None) -> ParseResult[AirReading]:
    """Parse getHistoryData.php hourly history into readings.

    ``stations`` maps station IDs to objects with ``name_en``, ``name_th``, ``lat``, ``lon`` (an ``AirReading`` from
    the latest values will do) so history rows carry names and coordinates. The AQI is left ``None``: the Thai AQI is
    defined on 24 h / 8 h means and an hourly sample would be mislabelled. Readings carry ``averaging="1h"`` so the
    store keeps them apart from the latest endpoint's 24 h means (``air_hourly``, not ``air_readings``).
    """
    doc = load_json(body, "Air4Thai history")
    if not isinstance(doc, dict) or "result" not in doc:
        raise WrongPayloadKind(f"Air4Thai history: expected {{\"result\": \"OK\", ...}}, got {guess_kind(doc)}")
    outcome = to_str(doc.get("result"))
    if (outcome or "").upper() != "OK":
        reason = to_str(doc.get("error")) or to_str(doc.get("data")) or "no reason given"
        raise MalformedPayload(f"Air4Thai history: result {excerpt(str(outcome))!r}: {excerpt(reason)}")
    blocks = doc.get("stations")
    if not isinstance(blocks, list):
        raise MalformedPayload("Air4Thai history: result OK but no stations list")
    meta = stations or {}
    result: ParseResult[AirReading] = ParseResult()
    for s_index, block in enumerate(blocks):
        station_id = to_str(dig(block, "stationID"))
        rows = dig(block, "data")
        if station_id is None or not isinstance(rows, list):
            result.rejected.append(Rejection(f"stations[{s_index}]", "no stationID or no data list"))
            continue
        info = meta.get(station_id)
        for r_index, row in enumerate(rows):
            where = f"stations[{s_index}].data[{r_index}]"
            reading = _history_row(station_id, info, row, where, result)
            if reading is not None:
                admit(result, reading, where)
    return result


def _history_row(
    station_id: str, info: Any, row: Any, where: str, result: ParseResult[AirReading]
) -> AirReading | None:
    if not isinstance(row, dict):
        result.rejected.append(Rejection(where, "row is not an object"))
        return None
    try:
        observed_at = parse_thai_local(to_str(row.get("DATETIMEDATA")) or "")
    except ValueError as exc:
        result.rejected.append(Rejection(where, f"bad DATETIMEDATA: {exc}"))
        return None
    values = {
        field: _pollutant_value(row.get(key), f"{where}.{key}", result.notes) for key, field in _POLLUTANTS.items()
    }
    return AirReading(
        station_id=station_id,
        name_en=getattr(info, "name_en", None),
        name_th=getattr(info, "name_th", None),
        lat=getattr(info, "lat", None),
        lon=getattr(info, "lon", None),
        observed_at=observed_at,
        area_en=getattr(info, "area_en", None),
        area_th=getattr(info, "area_th", None),
        station_type=getattr(info, "station_type", None),
        averaging="1h",
        **values,
    )
