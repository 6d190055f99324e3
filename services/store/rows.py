"""Plain frozen dataclasses the store hands out. Never ORM objects: these cross threads and outlive sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What one ingest call did. ``accepted`` = records handed in; the other counts split them up.

    ``deferred`` counts incidents the server changed while they have unsent local edits (their fields were kept).
    """

    accepted: int
    inserted: int
    updated: int
    unchanged: int
    deferred: int = 0


@dataclass(frozen=True, slots=True)
class AirLatest:
    """The newest reading of one air-quality station, with the station's metadata."""

    code: str
    name_th: str | None
    name_en: str | None
    lat: float | None
    lon: float | None
    area_en: str | None
    area_th: str | None
    observed_at: datetime  # UTC
    pm25: float | None
    pm10: float | None
    o3: float | None
    co: float | None
    no2: float | None
    so2: float | None
    aqi: int | None
    aqi_band: int | None


@dataclass(frozen=True, slots=True)
class RiverLatest:
    """The newest water level of one river station, the one before it (for a trend) and the station's thresholds."""

    code: str
    name_th: str | None
    name_en: str | None
    lat: float | None
    lon: float | None
    province_code: str | None
    observed_at: datetime  # UTC
    level_m: float | None
    level_msl: float | None
    bank_diff_m: float | None
    situation_level: int | None
    flow_m3s: float | None
    previous_observed_at: datetime | None
    previous_level_m: float | None
    thresholds: dict[str, float] = field(default_factory=dict)  # e.g. {"bank_full_m": 3.70, "flood_m": 4.20}

    @property
    def trend_m(self) -> float | None:
        """Change of the local gauge since the previous reading (m), or None when either level is missing."""
        if self.level_m is None or self.previous_level_m is None:
            return None
        return self.level_m - self.previous_level_m


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """One incident as the incident table shows it."""

    id: int
    server_id: str | None
    service_code: str | None
    service_name: str | None
    status: str
    workflow_state: str | None
    priority: str | None
    description: str | None
    lat: float | None
    lon: float | None
    address: str | None
    district_code: str | None
    requested_at: datetime | None
    updated_at: datetime
    expected_at: datetime | None
    agency: str | None
    assignee: str | None
    media_url: str | None
    source: str | None
    version: int | None
    local_changes: int
    major_incident: int = 0  # 0012: promoted to a major incident
    # Not incident columns (see INCIDENT_ROW_COLUMNS): filled by the map's read for linked incidents only.
    children: int = 0  # a major incident's children
    parent_ref: str | None = None  # the map feature id (server id or local-N) of its major incident

    @property
    def page_key(self) -> tuple[datetime, int]:
        """Pass the last row's key as ``after=`` to get the next page."""
        return (self.updated_at, self.id)


#: The incidents columns an :class:`IncidentRow` is read from, in its field order.
INCIDENT_ROW_COLUMNS: tuple[str, ...] = (
    "id", "server_id", "service_code", "service_name", "status", "workflow_state", "priority", "description", "lat",
    "lon", "address", "district_code", "requested_at", "updated_at", "expected_at", "agency", "assignee", "media_url",
    "source", "version", "local_changes", "major_incident",
)


@dataclass(frozen=True, slots=True)
class MapHotspot:
    """A hotspot as the map shows it: its row id is the feature id."""

    id: int
    source: str
    satellite: str | None
    lat: float
    lon: float
    acquired_at: datetime  # UTC
    confidence: str | int | None
    frp: float | None
    daynight: str | None


@dataclass(frozen=True, slots=True)
class StoredRejection:
    """A rejected record kept for the feed status panel."""

    feed: str
    at: datetime
    where: str
    reason: str


def as_json_dict(value: Any) -> dict[str, float]:
    """Thresholds come back from JSON; anything that is not an object reads as no thresholds."""
    return dict(value) if isinstance(value, dict) else {}
