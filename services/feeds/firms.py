"""NASA FIRMS area CSV (VIIRS or MODIS) → ``FireHotspot``.

The family is told by the header (``bright_ti4`` VIIRS, ``brightness`` MODIS). ``acq_date``/``acq_time`` are UTC and
``acq_time`` is often not zero-padded ("41" = 00:41). A bad key gives the text ``Invalid MAP_KEY.`` instead of CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.payload import decode_text, describe_non_payload, excerpt, looks_like_html, to_float, to_int, to_str
from services.feeds.validation import NORTHERN_THAILAND, admit, read_coordinate
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


def _coordinate_value(raw: str | None) -> float | None:
    return to_float(raw, _NO_MARKERS, keep_non_finite=True)


def _row(row: Mapping[str, str | None], viirs: bool, source: str | None) -> FireHotspot:
    # A hotspot is its location: one that is missing, impossible or far from the province rejects the row.
    lat, lon = read_coordinate(row.get("latitude"), row.get("longitude"), NORTHERN_THAILAND, _coordinate_value)
    if lat is None or lon is None:
        lat_text, lon_text = excerpt(row.get("latitude") or ""), excerpt(row.get("longitude") or "")
        raise ValueError(f"no coordinate ({lat_text!r}, {lon_text!r})")
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
    # newline="": lines end at LF, CRLF or a lone CR (old Mac files), as the csv module expects to be given them.
    reader = csv.reader(io.StringIO(stripped, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        raise MalformedPayload(f"FIRMS: unreadable CSV header: {_csv_problem(exc)}") from None
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
    rows = _rows(reader)
    # A body that stops right after a comma was cut off: its last row's last field looks empty but never arrived.
    cut_after_comma = text.rstrip(" \t").endswith(",")
    result: ParseResult[FireHotspot] = ParseResult()
    for index, (line, fields) in enumerate(rows):
        where = f"line {line}"
        if cut_after_comma and index == len(rows) - 1:
            result.rejected.append(Rejection(where, "the file ends right after a comma: this row was cut off"))
            continue
        if len(fields) != len(header):
            result.rejected.append(Rejection(where, f"expected {len(header)} fields, got {len(fields)}"))
            continue
        try:
            hotspot = _row(dict(zip(header, fields, strict=True)), viirs, source)
        except ValueError as exc:
            result.rejected.append(Rejection(where, str(exc)))
            continue
        admit(result, hotspot, where)
    return result


def _rows(reader: Any) -> list[tuple[int, list[str]]]:
    """The non-blank rows with their line numbers; a CSV the csv module cannot read raises ``MalformedPayload``."""
    rows = []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            # Refuse the file: after a field past the size limit the reader resumes inside that field's text.
            raise MalformedPayload(f"FIRMS: unreadable CSV at line {reader.line_num}: {_csv_problem(exc)}") from None
        if any(f.strip() for f in fields):
            rows.append((reader.line_num, fields))


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return f"a field is longer than {csv.field_size_limit()} characters (no FIRMS column comes near)"
    return excerpt(message)
