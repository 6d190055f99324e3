"""The checks every feed record passes where it enters the console, with the reason when it fails.

The feed parsers are shared by the sync service and ``pao-console import``, and they all come through here, so a
hostile payload is refused the same way whichever door it knocks on. Two levels:

- a *record* that cannot be used (a hotspot whose location is impossible, text with a NUL character, a value no
  store column can hold) is rejected with its reason: :func:`admit`;
- a *field* that cannot be used (a station coordinate outside Thailand) is dropped with a note while the record
  lands; notes are not rejected records (``ParseResult.notes``).

Bounds: point data about the province (FIRMS hotspots, Open311 incidents, boundary layers) must lie in a generous box
around northern Thailand; the national networks (Air4Thai, ThaiWater) anywhere in Thailand. Impossible values
(not finite, latitude beyond ±90, longitude beyond ±180) are always refused.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.records import ParseResult, Rejection

#: Deepest nesting kept from a payload as it came (GeoJSON properties, Open311 extension fields). Real payloads
#: nest a handful of levels; far deeper structures only serve to exhaust recursion further down (JSON encoding).
MAX_NESTING = 32

#: SQLite stores integers in 64 bits; a larger one fails the whole transaction when it is bound.
_INT_LIMIT = 2**63

#: The highest concentration taken as a measurement, in any of Air4Thai's units (µg/m³, ppb, ppm). Smoke next to
#: a sensor has reached about 1,500 µg/m³ of PM2.5; a value far above is a data error (and a 1e308 would overflow
#: the AQI arithmetic).
MAX_CONCENTRATION = 10_000.0

#: Times a feed may report. Outside them a time is a data error: a Buddhist-Era year written as a Common-Era one
#: (2569 for 2026), or year 1 / 9999, which the console could not even shift into Asia/Bangkok to show.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Region:
    """A latitude/longitude box that coordinates of a feed must fall in."""

    name: str
    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def __str__(self) -> str:
        return f"{self.name} (lat {self.south}–{self.north}, lon {self.west}–{self.east})"


#: Thailand with a small margin (the country spans 5.6–20.5 N, 97.3–105.6 E). Air4Thai's and ThaiWater's national
#: networks report stations all over it; one old Air4Thai payload put a Chiang Mai station 45 km off, others send 0,0.
THAILAND = Region("Thailand", 5.5, 20.6, 97.3, 105.7)

#: A generous box around Chiang Mai province (17.24–20.15 N, 98.01–99.57 E): the upper north of Thailand and the
#: borderlands whose fires and incidents the console follows (FIRMS' query box is 17.2–20.2 N, 98.0–99.6 E).
NORTHERN_THAILAND = Region("northern Thailand", 15.5, 21.0, 96.5, 101.5)


def coordinate_problem(lat: float, lon: float, region: Region | None) -> str | None:
    """Why (``lat``, ``lon``) is not a usable location in ``region``, or ``None`` when it is."""
    where = f"lat {lat}, lon {lon}"
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return f"coordinate {where} is not a finite number"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return f"coordinate {where} is not on Earth"
    if region is not None and not region.contains(lat, lon):
        return f"coordinate {where} is outside {region}"
    return None


def read_coordinate(
    raw_lat: Any, raw_lon: Any, region: Region | None, number: Callable[[Any], float | None]
) -> tuple[float | None, float | None]:
    """(lat, lon) from raw payload values; ``(None, None)`` when either is missing.

    ``number`` turns one raw value into a float or ``None`` for a missing marker (the feed's own rule), and must
    keep NaN and infinities so that they are refused here rather than mistaken for "missing". Raises ``ValueError``
    with the reason when a coordinate is present but unusable.
    """
    lat, lon = number(raw_lat), number(raw_lon)
    if lat is None or lon is None:
        return None, None
    problem = coordinate_problem(lat, lon, region)
    if problem:
        raise ValueError(problem)
    return lat, lon


def time_problem(value: datetime) -> str | None:
    """Why an aware datetime is not a plausible feed time, or ``None`` when it is."""
    if EARLIEST_TIME <= value < LATEST_TIME:
        return None
    hint = " (a Buddhist-Era year?)" if value.year >= 2400 else ""
    return f"{value.isoformat()} is outside {EARLIEST_TIME.year}–{LATEST_TIME.year - 1}{hint}"


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored and shown as text, or ``None`` when it can."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


def value_problem(value: Any) -> str | None:
    """Why a value taken from a payload (text, a number, or lists and objects of them) cannot be kept.

    Iterative, so no payload can exhaust the recursion limit here; the nesting is capped at :data:`MAX_NESTING`.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if item is None or isinstance(item, bool) or (isinstance(item, date) and not isinstance(item, datetime)):
            continue
        if isinstance(item, datetime):
            problem = time_problem(item) if item.tzinfo is not None else "a time without a time zone"
        elif isinstance(item, str):
            problem = text_problem(item)
        elif isinstance(item, float):
            problem = None if math.isfinite(item) else f"{item} is not a finite number"
        elif isinstance(item, int):
            problem = None if -_INT_LIMIT < item < _INT_LIMIT else "a whole number too large to store"
        elif depth >= MAX_NESTING:
            problem = f"nested more than {MAX_NESTING} levels deep"
        elif isinstance(item, dict):
            problem = None
            for key, child in item.items():
                if not isinstance(key, str) or text_problem(key):
                    problem = f"a key {text_problem(key) if isinstance(key, str) else 'is not text'}"
                    break
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            problem = None
            stack.extend((child, depth + 1) for child in item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            problem = None
            stack.extend((getattr(item, f.name), depth + 1) for f in dataclasses.fields(item))
        else:
            problem = f"a {type(item).__name__} is not a payload value"
        if problem:
            return problem
    return None


def record_problem(record: Any) -> str | None:
    """Why a parsed record (one of :mod:`services.records`) cannot be stored, naming the field; ``None`` if it can."""
    for field in dataclasses.fields(record):
        problem = value_problem(getattr(record, field.name))
        if problem:
            return f"{field.name}: {problem}"
    return None


def admit(result: ParseResult[Any], record: Any, where: str) -> bool:
    """Append ``record`` to ``result.records`` when it passes :func:`record_problem`, else reject it there."""
    problem = record_problem(record)
    if problem:
        result.rejected.append(Rejection(where, problem))
        return False
    result.records.append(record)
    return True
