"""Normalised records shared by the feed adapters, the store and the import command.

Every time is an aware ``datetime`` in UTC; every missing value is ``None``. Units are fixed per field and named
in the field comment, so no caller has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix (the form the import command prints)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class AirReading:
    """One Air4Thai observation (latest or hourly history) at one station.

    ``averaging`` says what the values are: "24h" for the latest endpoint's rolling means (PM2.5/PM10 over 24 h,
    O3/CO over 8 h), "1h" for hourly history values. The store keeps the two apart (``air_readings`` vs
    ``air_hourly``) so a mean is never overwritten by an hourly value of the same hour, or the other way round.
    """

    station_id: str
    name_en: str | None
    name_th: str | None
    lat: float | None
    lon: float | None
    observed_at: datetime  # UTC, hour-ending as the source labels it
    pm25: float | None = None  # µg/m³ (24 h rolling mean in "latest", hourly value in history)
    pm10: float | None = None  # µg/m³
    o3: float | None = None  # ppb
    co: float | None = None  # ppm
    no2: float | None = None  # ppb
    so2: float | None = None  # ppb
    aqi: int | None = None  # Thai AQI (2023), computed from the values
    aqi_band: int | None = None  # 1 very good … 5 affects health (Air4Thai color_id)
    area_en: str | None = None
    area_th: str | None = None
    station_type: str | None = None
    averaging: str = "24h"  # "24h": latest endpoint's rolling means; "1h": hourly history values

    def to_json(self) -> dict[str, Any]:
        return {
            "station_id": self.station_id,
            "name_en": self.name_en,
            "name_th": self.name_th,
            "lat": self.lat,
            "lon": self.lon,
            "observed_at": iso_utc(self.observed_at),
            "pm25": self.pm25,
            "pm10": self.pm10,
            "o3": self.o3,
            "co": self.co,
            "no2": self.no2,
            "so2": self.so2,
            "aqi": self.aqi,
            "aqi_band": self.aqi_band,
        }


@dataclass(frozen=True, slots=True)
class FireHotspot:
    """One NASA FIRMS detection. Identity: (source, lat, lon, acquired_at)."""

    source: str  # VIIRS_SNPP_NRT, VIIRS_NOAA20_NRT, MODIS_NRT, …
    satellite: str | None  # normalised: N, 1, 2 (VIIRS) or Aqua / Terra (MODIS)
    lat: float
    lon: float
    acquired_at: datetime  # UTC
    confidence: str | int | None  # VIIRS low|nominal|high, MODIS 0–100
    frp: float | None  # fire radiative power, MW
    daynight: str | None  # D or N
    instrument: str | None = None
    brightness_k: float | None = None  # bright_ti4 (VIIRS) or brightness (MODIS), kelvin
    scan: float | None = None
    track: float | None = None
    version: str | None = None
    fire_type: int | None = None  # archive files only: 0 vegetation, 1 volcano, 2 static land, 3 offshore

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "satellite": self.satellite,
            "lat": self.lat,
            "lon": self.lon,
            "acquired_at": iso_utc(self.acquired_at),
            "confidence": self.confidence,
            "frp": self.frp,
            "daynight": self.daynight,
        }


@dataclass(frozen=True, slots=True)
class RiverReading:
    """One ThaiWater water-level observation at a telemetry station."""

    station_code: str  # old code such as "P.1" when present, else the ThaiWater station id
    name_th: str | None
    name_en: str | None
    lat: float | None
    lon: float | None
    observed_at: datetime  # UTC
    level_m: float | None  # local gauge, m
    level_msl: float | None  # m above mean sea level
    bank_diff_m: float | None  # signed: positive = above the bank (overbank), negative = below
    situation_level: int | None  # 1–5, 5 = overbank
    province_code: str | None  # "50" = Chiang Mai
    river_name: str | None = None
    flow_m3s: float | None = None
    station_id: str | None = None  # ThaiWater numeric station id, as text
    min_bank_msl: float | None = None
    ground_level_msl: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "station_code": self.station_code,
            "name_th": self.name_th,
            "name_en": self.name_en,
            "lat": self.lat,
            "lon": self.lon,
            "observed_at": iso_utc(self.observed_at),
            "level_m": self.level_m,
            "level_msl": self.level_msl,
            "bank_diff_m": self.bank_diff_m,
            "situation_level": self.situation_level,
            "province_code": self.province_code,
        }


#: Key in a sent record's ``extra`` under which the writer hands the other requests a link call (or a major incident's
#: close) changed, as ServiceRequests, to the outbox (their versions and links are taken with the record's).
LINKED_RECORDS_KEY = "linked_records"
#: Key in a sent record's ``extra`` under which the writer hands an upload's media object (``media_id``, ``url``, ...)
#: to the outbox (``services.store.outbox.outbox_mark_sent``), which only ever receives the record.
UPLOADED_MEDIA_KEY = "uploaded_media"


@dataclass(frozen=True, slots=True)
class RequestLinks:
    """How a request is linked to others, as the backend's workflow extension publishes it (server ids): the keeper
    it was merged into, the duplicates merged into it, its major incident (parent), its children, its related peers,
    and whether it is a major incident itself."""

    merged_into: str | None = None
    merged: tuple[str, ...] = ()
    parent: str | None = None
    children: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    major: bool = False


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """One Open311 GeoReport v2 service request (an incident as the backend publishes it)."""

    id: str  # service_request_id, always text
    status: str  # open | closed (richer extension statuses are kept in status_detail)
    service_code: str | None
    description: str | None
    lat: float | None
    lon: float | None
    requested_at: datetime | None
    updated_at: datetime | None
    service_name: str | None = None
    status_notes: str | None = None
    status_detail: str | None = None  # e.g. IN_PROGRESS, or our workflow state when the backend sends one
    agency_responsible: str | None = None
    expected_at: datetime | None = None  # SLA target
    address: str | None = None
    media_url: str | None = None
    version: int | None = None  # workflow extension: record version (ETag)
    priority: str | None = None  # workflow extension
    assignee: str | None = None  # workflow extension
    extra: dict[str, Any] = field(default_factory=dict)
    links: RequestLinks | None = None  # workflow extension; None: the backend sent no link fields (plain v2)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "service_code": self.service_code,
            "description": self.description,
            "lat": self.lat,
            "lon": self.lon,
            "requested_at": iso_utc(self.requested_at),
            "updated_at": iso_utc(self.updated_at),
        }


#: Open311 attribute datatypes (GeoReport v2 service definitions).
ATTRIBUTE_DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """One choice of a list attribute: ``key`` is what is sent, ``name`` what the operator reads."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class ServiceAttribute:
    """One attribute of an Open311 service definition (a question the intake form asks for that category).

    ``variable`` False means the attribute is information only (``description`` is shown, nothing is asked).
    """

    code: str
    datatype: str  # one of ATTRIBUTE_DATATYPES
    description: str  # the question, as the server words it (often "English / Thai")
    variable: bool = True
    required: bool = False
    order: int = 0
    datatype_description: str | None = None
    values: tuple[AttributeValue, ...] = ()  # list datatypes only

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "datatype": self.datatype,
            "description": self.description,
            "variable": self.variable,
            "required": self.required,
            "order": self.order,
            "datatype_description": self.datatype_description,
            "values": [{"key": v.key, "name": v.name} for v in self.values],
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> ServiceAttribute:
        """The inverse of :meth:`to_json` (for what the store wrote itself; feeds go through the parser)."""
        return cls(
            code=str(item["code"]),
            datatype=str(item["datatype"]),
            description=str(item.get("description") or item["code"]),
            variable=bool(item.get("variable", True)),
            required=bool(item.get("required", False)),
            order=int(item.get("order") or 0),
            datatype_description=item.get("datatype_description"),
            values=tuple(AttributeValue(str(v["key"]), str(v["name"])) for v in item.get("values") or ()),
        )


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    """One entry of the Open311 service list (an incident category), with its attributes when known.

    ``attributes`` is None while the service definition is not known (not fetched yet, or its fetch failed: the
    store then keeps the one it has); ``()`` means known and empty (``metadata`` false, or no attributes).
    """

    service_code: str
    service_name: str
    description: str | None = None
    metadata: bool = False
    type: str | None = None  # realtime | batch | blackbox
    keywords: tuple[str, ...] = ()
    group: str | None = None
    attributes: tuple[ServiceAttribute, ...] | None = None  # sorted by ``order``


@dataclass(frozen=True, slots=True)
class ServiceRequestUpdate:
    """One entry of the ``servicerequestupdates`` extension.

    The rest is optional (our workflow extension; a plain server leaves it out): ``state`` the workflow state after
    the update, ``version`` the request's version it made, ``author`` who made it as the backend reports it (a role,
    ``api`` for an API client, ``system`` for the backend itself), ``client_key`` the ``Idempotency-Key`` of the write
    that made it (how a console knows its own writes), and ``media_url``.
    """

    update_id: str
    service_request_id: str
    status: str | None
    description: str | None
    updated_at: datetime | None
    state: str | None = None
    version: int | None = None
    author: str | None = None
    client_key: str | None = None
    media_url: str | None = None


@dataclass(frozen=True, slots=True)
class BoundaryFeature:
    """One feature of an imported boundary layer (district polygons and the like)."""

    id: str
    name: str | None
    name_th: str | None
    geometry_type: str
    geometry: dict[str, Any]
    properties: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "geometry_type": self.geometry_type}


# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators, written as escapes: a reason is one
# line of plain text wherever it goes (log, store, stderr; str.splitlines breaks at every one of them).
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))} | {
    0x2028: "\\u2028", 0x2029: "\\u2029"}


def printable(text: str, limit: int | None = 300) -> str:
    """``text`` as one line that can be stored, logged and printed anywhere: control characters and lone surrogates
    (a JSON payload can carry both) become backslash escapes, and the result is cut to ``limit`` characters."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8").translate(_CONTROLS)
    return safe if limit is None or len(safe) <= limit else safe[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Something the adapter could not accept (a record, or one field of a record), with the reason and where.

    Both texts may quote the payload; they are made :func:`printable` here, once, for every place they reach.
    """

    where: str  # e.g. "stations[3]" or "line 17"
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "where", printable(self.where, 120))
        object.__setattr__(self, "reason", printable(self.reason))

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(slots=True)
class ParseResult(Generic[T]):
    """Accepted records plus the rejected ones; a payload that is not of the kind raises instead.

    ``notes`` are fields dropped from records that were kept (a coordinate outside the feed's region, a value that
    is not a number): the record landed, so a note is not a rejected record and is never counted as one.
    """

    records: list[T] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[Rejection] = field(default_factory=list)
