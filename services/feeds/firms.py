"""NASA FIRMS area CSV (VIIRS or MODIS) → ``FireHotspot``.

The family is told by the header (``bright_ti4`` VIIRS, ``brightness`` MODIS). ``acq_date``/``acq_time`` are UTC and
``acq_time`` is often not zero-padded ("41" = 00:41). A bad key gives the text ``Invalid MAP_KEY.`` instead of CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from urllib.parse import quote

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.payload import decode_text, describe_non_payload, excerpt, looks_like_html, to_float, to_int, to_str
from services.records import FireHotspot, ParseResult, Rejection

SOURCES = ("VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "VIIRS_NOAA21_NRT", "MODIS_NRT")
CHIANG_MAI_QUERY_BOX = (98.0, 17.2, 99.6, 20.2)  # west, south, east, north

_VIIRS_SOURCE_BY_SATELLITE = {"N": "VIIRS_SNPP_NRT", "1": "VIIRS_NOAA20_NRT", "2": "VIIRS_NOAA21_NRT"}
_VIIRS_CONFIDENCE = {"l": "low", "low": "low", "n": "nominal", "nominal": "nominal", "h": "high", "high": "high"}
_MODIS_SATELLITE = {"a": "Aqua", "aqua": "Aqua", "t": "Terra", "terra": "Terra"}
_REQUIRED = ("latitude", "longitude", "acq_date", "acq_time")
# Columns that carry no value: nothing here is a FIRMS missing marker except empty text.
_NO_MARKERS = ("",)


def area_url(
    base: str,
    map_key: str,
    source: str,
    bbox: tuple[float, float, float, float] = CHIANG_MAI_QUERY_BOX,
    days: int = 1,
    date: date | str | None = None,  # noqa: A002 - the API calls it date
) -> str:
    """URL of the area API: ``{base}/api/area/csv/{MAP_KEY}/{SOURCE}/{w,s,e,n}/{days}[/{date}]``.

    The URL holds the MAP_KEY: log it only through ``http_client.redact``.
    """
    if not 1 <= days <= 5:
        raise ValueError(f"FIRMS day range must be 1–5, got {days}")
    west, south, east, north = (float(v) for v in bbox)
    if not (west < east and south < north):
        raise ValueError(f"bbox must be (west, south, east, north), got {bbox}")
    url = (
        f"{base.rstrip('/')}/api/area/csv/{quote(map_key, safe='')}/{quote(source, safe='')}/"
        f"{west},{south},{east},{north}/{days}"
    )
    return f"{url}/{date}" if date else url


def _acquired_at(acq_date: str | None, acq_time: str | None) -> datetime:
    text = (acq_time or "").strip()
    if not text.isdigit() or len(text) > 4:
        raise ValueError(f"acq_time {acq_time!r} is not HHMM")
    padded = text.zfill(4)
    hour, minute = int(padded[:2]), int(padded[2:])
    if hour > 23 or minute > 59:
        raise ValueError(f"acq_time {acq_time!r} is not a time of day")
    try:
        day = date.fromisoformat((acq_date or "").strip())
    except ValueError:
        raise ValueError(f"acq_date {acq_date!r} is not YYYY-MM-DD") from None
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _confidence(raw: str | None, viirs: bool) -> str | int | None:
    text = (raw or "").strip().lower()
    if not text:
        return None
    if viirs:
        if text not in _VIIRS_CONFIDENCE:
            raise ValueError(f"VIIRS confidence {raw!r} is not l/n/h")
        return _VIIRS_CONFIDENCE[text]
    value = to_int(text, _NO_MARKERS)
    if value is None or not 0 <= value <= 100:
        raise ValueError(f"MODIS confidence {raw!r} is not 0–100")
    return value


def _satellite(raw: str | None, viirs: bool) -> str | None:
    text = to_str(raw)
    if text is None or viirs:
        return text
    return _MODIS_SATELLITE.get(text.lower(), text)


def _row(row: Mapping[str, str | None], viirs: bool, source: str | None) -> FireHotspot:
    lat = to_float(row.get("latitude"), _NO_MARKERS)
    lon = to_float(row.get("longitude"), _NO_MARKERS)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"bad coordinate ({row.get('latitude')!r}, {row.get('longitude')!r})")
    satellite = _satellite(row.get("satellite"), viirs)
    if source is None:
        # VIIRS family from the satellite letter; "VIIRS" when the satellite is unknown.
        source = _VIIRS_SOURCE_BY_SATELLITE.get(satellite or "", "VIIRS") if viirs else "MODIS_NRT"
    daynight = to_str(row.get("daynight"))
    return FireHotspot(
        source=source,
        satellite=satellite,
        lat=lat,
        lon=lon,
        acquired_at=_acquired_at(row.get("acq_date"), row.get("acq_time")),
        confidence=_confidence(row.get("confidence"), viirs),
        frp=to_float(row.get("frp"), _NO_MARKERS),
        daynight=daynight.upper() if daynight else None,
        # The header already says which instrument; files that leave the column out lose nothing.
        instrument=to_str(row.get("instrument")) or ("VIIRS" if viirs else "MODIS"),
        brightness_k=to_float(row.get("bright_ti4" if viirs else "brightness"), _NO_MARKERS),
        scan=to_float(row.get("scan"), _NO_MARKERS),
        track=to_float(row.get("track"), _NO_MARKERS),
        version=to_str(row.get("version")),
        fire_type=to_int(row.get("type"), _NO_MARKERS),
    )


def parse_area_csv(body: bytes | str, source: str | None = None) -> ParseResult[FireHotspot]:
    """Parse a FIRMS area CSV. A header-only file is a quiet day (no records); a non-CSV body raises.

    ``source`` (e.g. "VIIRS_SNPP_NRT", the one in the request URL) wins; without it the source is inferred from the
    header and each row's satellite.
    """
    text = decode_text(body)
    stripped = text.strip()
    if not stripped:
        raise MalformedPayload("FIRMS: empty body (even a quiet day has the CSV header)")
    if stripped.startswith("Invalid MAP_KEY") or looks_like_html(stripped) or stripped[0] in "[{":
        if stripped[0] in "[{":
            raise WrongPayloadKind("FIRMS: JSON instead of CSV")
        raise MalformedPayload(f"FIRMS: {describe_non_payload(stripped, 'CSV')}")
    reader = csv.reader(io.StringIO(stripped))
    header = [name.strip().lower() for name in next(reader)]
    if not all(name in header for name in _REQUIRED):
        if len(header) <= 1:
            # One short line of prose: FIRMS answers errors such as "Invalid area." this way.
            raise MalformedPayload(f"FIRMS says: {excerpt(stripped)}")
        raise WrongPayloadKind(f"FIRMS: CSV without the FIRMS columns (header: {excerpt(','.join(header))})")
    if "bright_ti4" in header:
        viirs = True
    elif "brightness" in header:
        viirs = False
    else:
        raise WrongPayloadKind("FIRMS: header has neither bright_ti4 (VIIRS) nor brightness (MODIS)")
    result: ParseResult[FireHotspot] = ParseResult()
    for fields in reader:
        where = f"line {reader.line_num}"
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            result.rejected.append(Rejection(where, f"expected {len(header)} fields, got {len(fields)}"))
            continue
        try:
            result.records.append(_row(dict(zip(header, fields, strict=True)), viirs, source))
        except ValueError as exc:
            result.rejected.append(Rejection(where, str(exc)))
    return result
