"""What each chart dock asks the store for, as use cases the console runs on the database worker (Qt-free).

A chart asks for the window it shows; the bucket follows from the window's span (``chart_math.bucket_for``), never
finer than the data's own cadence, so a 30-day window stays a few thousand points and a 6-hour one shows every
reading. Each load also brings the incident annotations of its window, and the river's brings each gauge's rate of
rise and projection, so the UI thread only draws. The CSV of a chart is built here too, from what it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from services.chart_math import Projection, bucket_for, csv_bytes, projection, rate_of_rise
from services.chart_series import (
    AirStationChart,
    ChartAnnotation,
    ChartStations,
    HotspotDays,
    IncidentLoad,
    RiverGaugeChart,
    Series,
)
from services.feeds.thai_time import BANGKOK

if TYPE_CHECKING:
    from services.store.store import Store

AIR_CADENCE_S = 3600  # Air4Thai publishes hourly values
RIVER_CADENCE_S = 600  # ThaiWater gauges report every 10 minutes
LOAD_MIN_BUCKET_S = 3600  # incident load per hour at least: finer buckets are mostly empty
MAX_POINTS = 2000  # per curve: more than a dock is wide, far fewer than the database holds
ANNOTATION_LIMIT = 500  # the newest this many incident events in a window; more would hide the curves


@dataclass(frozen=True)
class AirLoad:
    charts: list[AirStationChart]
    annotations: list[ChartAnnotation]
    stations: ChartStations  # the picker's list: stations appear with the first sync, after the chart was built


@dataclass(frozen=True)
class RiverLoad:
    charts: list[RiverGaugeChart]
    projections: dict[str, Projection | None]
    rates: dict[str, float | None]  # m/h over the last 3 hours
    annotations: list[ChartAnnotation]


@dataclass(frozen=True)
class IncidentLoadResult:
    load: IncidentLoad
    annotations: list[ChartAnnotation]


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _annotations(store: Store, t0: float, t1: float) -> list[ChartAnnotation]:
    return store.chart_annotations(_utc(t0), _utc(t1), ANNOTATION_LIMIT)


def load_stations(store: Store) -> ChartStations:
    return store.chart_stations()


def load_air(store: Store, codes: Sequence[str], t0: float, t1: float) -> AirLoad:
    """The chosen stations' PM2.5 (hourly values and 24-hour means) over [t0, t1)."""
    bucket = bucket_for(t1 - t0, MAX_POINTS, min_bucket_s=AIR_CADENCE_S)
    charts = store.air_charts(list(codes), _utc(t0), _utc(t1), bucket) if codes else []
    return AirLoad(charts, _annotations(store, t0, t1), store.chart_stations())


def load_river(store: Store, t0: float, t1: float, now: float) -> RiverLoad:
    """Every gauge's level over [t0, t1), upstream to downstream, with its rate of rise and projection as of now.

    The rate is read from the last hours at the gauges' own cadence, whatever the window's bucket: a 30-day window
    drawn in 6-hour buckets must not flatten the rise of the last three hours."""
    bucket = bucket_for(t1 - t0, MAX_POINTS, min_bucket_s=RIVER_CADENCE_S)
    charts = store.river_charts(None, _utc(t0), _utc(t1), bucket)
    recent = {c.code: c for c in store.river_charts(None, _utc(now - 6 * 3600), _utc(now + 1), RIVER_CADENCE_S)}
    rates: dict[str, float | None] = {}
    projections: dict[str, Projection | None] = {}
    for chart in charts:
        latest = recent.get(chart.code)
        rates[chart.code] = rate_of_rise(latest.level, now) if latest is not None else None
        projections[chart.code] = projection(latest, now) if latest is not None else None
    return RiverLoad(charts, projections, rates, _annotations(store, t0, t1))


def load_hotspots(store: Store, t0: float, t1: float) -> HotspotDays:
    return store.hotspot_days(_utc(t0), _utc(t1))


def load_incidents(store: Store, t0: float, t1: float) -> IncidentLoadResult:
    bucket = bucket_for(t1 - t0, MAX_POINTS, min_bucket_s=LOAD_MIN_BUCKET_S)
    return IncidentLoadResult(store.incident_load(_utc(t0), _utc(t1), bucket), _annotations(store, t0, t1))


# --- CSV of what a chart shows ----------------------------------------------------------------------------------------


def air_csv(charts: Sequence[AirStationChart], t0: float, t1: float, language: str) -> bytes:
    columns: list[tuple[str, Series]] = []
    for chart in charts:
        name = chart.name_th if language == "th" else chart.name_en
        hourly, mean = ("PM2.5 รายชั่วโมง", "PM2.5 เฉลี่ย 24 ชม.") if language == "th" else ("PM2.5 hourly",
                                                                                        "PM2.5 24-hour mean")
        columns.append((f"{chart.code} {name} {hourly} (µg/m³)", chart.hourly))
        columns.append((f"{chart.code} {name} {mean} (µg/m³)", chart.mean24))
    return csv_bytes(columns, t0, t1, time_header=_time_header(language))


def river_csv(charts: Sequence[RiverGaugeChart], t0: float, t1: float, language: str) -> bytes:
    word = "ระดับน้ำ" if language == "th" else "level"
    columns = [(f"{c.code} {c.name_th if language == 'th' else c.name_en} {word} (m)", c.level) for c in charts]
    return csv_bytes(columns, t0, t1, time_header=_time_header(language))


def incident_load_csv(load: IncidentLoad, t0: float, t1: float, language: str) -> bytes:
    names = (("เปิด", "opened"), ("ปิด", "closed"), ("ค้างอยู่", "backlog"), ("เกิน SLA", "SLA breaches"))
    arrays = (load.opened, load.closed, load.backlog, load.breaches)
    columns = [(th if language == "th" else en, Series(load.t, np.asarray(values, dtype=np.float64)))
               for (th, en), values in zip(names, arrays, strict=True)]
    return csv_bytes(columns, t0, t1, time_header=_time_header(language))


def hotspot_csv(days: HotspotDays, district: str | None, language: str) -> bytes:
    """Detections per Bangkok day (the date, ISO) and confidence, in one district or all of them."""
    import csv
    import io

    counts = days.counts
    if district is not None:
        codes = [code for code, _th, _en in days.districts]
        counts = counts[:, [codes.index(district)], :] if district in codes else counts[:, :0, :]
    per_day = counts.sum(axis=1) if counts.size else np.zeros((len(days.day_starts), 3), dtype=np.int64)
    out = io.StringIO()
    writer = csv.writer(out)
    header = ("วันที่", "ความเชื่อมั่นต่ำ", "ปานกลาง", "สูง") if language == "th" else ("date", "low confidence",
                                                                                         "nominal", "high")
    writer.writerow(header)
    for start, row in zip(days.day_starts.tolist(), per_day.tolist(), strict=True):
        writer.writerow([datetime.fromtimestamp(start, BANGKOK).date().isoformat(), *row])
    return out.getvalue().encode("utf-8-sig")


def _time_header(language: str) -> str:
    return "เวลา (ISO 8601)" if language == "th" else "time (ISO 8601)"


def write_export(path: str, data: bytes) -> str:
    """Write an export file (on a worker: the UI thread never waits on the disk); returns the path."""
    from pathlib import Path

    from services.atomic_file import write_bytes_atomically

    write_bytes_atomically(Path(path), data)
    return path
