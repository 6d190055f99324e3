"""GeoJSON features for the map's layers, built from store rows, and the diff between two versions of a layer.

Qt-free. Property names follow maps/bridge_protocol.py (the page reads them); every text value stays plain data.
Feature ids are strings, stable across refreshes, so a refresh travels as add / update / remove by id.

The page gets its messages as strict JSON (no NaN or Infinity), and a store written before the feeds' checks may
hold a non-finite coordinate: such a feature is left out, and logged, rather than failing the whole layer.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from resources import resource
from services.feeds.geojson import geometry_problem
from services.records import BoundaryFeature, iso_utc
from services.river_status import status_of

log = logging.getLogger(__name__)

Feature = dict[str, Any]

PROVINCE_BOX = (98.011, 17.242, 99.573, 20.147)  # W, S, E, N


def _point(feature_id: str, lon: float, lat: float, properties: dict[str, Any]) -> Feature:
    return {"type": "Feature", "id": feature_id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": feature_id, **properties}}


def _placed(rows: Iterable[Any], layer: str, key: Any) -> Iterable[Any]:
    """The rows with a finite location; the ones with a non-finite coordinate are logged and left out."""
    skipped: list[str] = []
    for r in rows:
        if r.lat is None or r.lon is None:
            continue
        if not (math.isfinite(r.lat) and math.isfinite(r.lon)):
            skipped.append(str(key(r)))
            continue
        yield r
    if skipped:
        log.warning("map layer %s: %d feature(s) left out, their stored coordinate is not finite: %s", layer,
                    len(skipped), ", ".join(skipped[:10]) + (", …" if len(skipped) > 10 else ""))


def incident_features(rows: Iterable[Any], now: datetime) -> list[Feature]:
    """Incidents (store IncidentRow-like objects with a location). SLA breached = open and past ``expected_at``.

    The page colours a cluster by its most urgent member (``priority``) and rings it when any member has
    ``sla_breached``; open P1 incidents are never clustered. ``state``, ``source`` and ``district`` are codes: the page
    shows them as words in the UI language (the console hands it the words; district names come with the
    districts layer)."""
    features = []
    for r in _placed(rows, "incidents", lambda r: r.server_id or f"local-{r.id}"):
        feature_id = r.server_id or f"local-{r.id}"
        breached = r.status == "open" and r.expected_at is not None and r.expected_at < now
        features.append(_point(feature_id, r.lon, r.lat, {
            "title": r.service_name or r.service_code or "",
            "description": r.description or "",
            "category": r.service_code or "",
            "priority": r.priority or "",
            "status": r.status,
            "state": r.workflow_state or r.status,
            "sla_breached": breached,
            "expected": iso_utc(r.expected_at),
            "pending": bool(r.local_changes),
            "time": iso_utc(r.updated_at),
            "district": r.district_code or "",
            "source": r.source or "",
            # major incidents: the marker, its child count, and a child's major incident (its feature id)
            "major": bool(getattr(r, "major_incident", 0)),
            "children": int(getattr(r, "children", 0) or 0),
            "parent": getattr(r, "parent_ref", None) or "",
        }))
    return features


def air_features(rows: Iterable[Any]) -> list[Feature]:
    """Latest air quality per station (store AirLatest-like)."""
    return [
        _point(r.code, r.lon, r.lat, {"name": (r.name_th or r.name_en or r.code).strip(),
                                      "name_en": (r.name_en or r.code).strip(), "pm25": r.pm25, "aqi": r.aqi,
                                      "band": r.aqi_band, "time": iso_utc(r.observed_at)})
        for r in _placed(rows, "air", lambda r: r.code)
    ]


def _age_band(acquired_at: datetime, now: datetime) -> str:
    age = now - acquired_at
    if age <= timedelta(hours=24):
        return "24h"
    return "48h" if age <= timedelta(hours=48) else "5d"


def hotspot_features(rows: Iterable[Any], now: datetime) -> list[Feature]:
    """Fire hotspots (store MapHotspot-like), with their age band for styling."""
    return [
        _point(f"h{r.id}", r.lon, r.lat, {"source": r.source, "confidence": r.confidence, "frp": r.frp,
                                          "daynight": r.daynight, "time": iso_utc(r.acquired_at),
                                          "age_band": _age_band(r.acquired_at, now)})
        for r in _placed(rows, "hotspots", lambda r: f"h{r.id}")
    ]


def river_features(rows: Iterable[Any]) -> list[Feature]:
    """Latest level per gauge (store RiverLatest-like) against the gauge's thresholds, with the trend and its
    ``band`` on the console's one river scale (services/river_status.py: the river table's word and colour)."""
    features = []
    for r in _placed(rows, "river", lambda r: r.code):
        limits = r.thresholds or {}
        features.append(_point(r.code, r.lon, r.lat, {
            "name": (r.name_th or r.name_en or r.code).strip(), "name_en": (r.name_en or r.code).strip(),
            "level_m": r.level_m, "bank_diff_m": r.bank_diff_m, "bank_full_m": limits.get("bank_full_m"),
            "flood_m": limits.get("flood_m"), "trend_m": r.trend_m, "situation": r.situation_level,
            "band": status_of(r).band, "time": iso_utc(r.observed_at)}))
    return features


@lru_cache(maxsize=1)
def _district_seed() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(resource("seed", "districts.json").read_text(encoding="utf-8")))


def district_features(imported: Sequence[BoundaryFeature]) -> list[Feature]:
    """Imported district polygons when there are any; until then the 25 district centroids as labelled points.

    An imported polygon that cannot be drawn (a non-finite or malformed position, stored before the import checked
    them) is logged and left out; with none left, the centroids are shown."""
    usable = []
    for f in imported:
        problem = geometry_problem(f.geometry, region=None)
        if problem:
            log.warning("map layer districts: %s left out: %s", f.id, problem)
            continue
        usable.append({"type": "Feature", "id": f.id, "geometry": f.geometry,
                       "properties": {"id": f.id, "name": f.name or f.id, "name_th": f.name_th or ""}})
    if usable:
        return usable
    return [_point(d["code"], d["lon"], d["lat"], {"name": d["name_en"], "name_th": d["name_th"]})
            for d in _district_seed()]


@dataclass(frozen=True, slots=True)
class LayerDiff:
    """What changed between two versions of a layer, by feature id."""

    add: list[Feature]
    update: list[Feature]
    remove: list[str]

    @property
    def empty(self) -> bool:
        return not (self.add or self.update or self.remove)


def diff_layer(old: Mapping[str, Feature], new: Sequence[Feature]) -> LayerDiff:
    """Add / update / remove needed to turn ``old`` (id → feature) into ``new``."""
    seen = set()
    add, update = [], []
    for feature in new:
        fid = feature["id"]
        seen.add(fid)
        previous = old.get(fid)
        if previous is None:
            add.append(feature)
        elif previous != feature:
            update.append(feature)
    return LayerDiff(add, update, [fid for fid in old if fid not in seen])


# --- alerts ----------------------------------------------------------------------------------------------------------

ALERT_LAYER = "alerts"
ALERT_SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}  # drawn in this order: the critical on top
DISTRICT_FALLBACK_RADIUS_M = 8000.0  # a district alert before its boundary is imported: a circle at its centroid
AREA_FALLBACK_RADIUS_M = 3000.0  # a landmark alert whose rule is not in force any more: the rules' usual radius


def _signed_area(ring: Sequence[Sequence[float]]) -> float:
    """Twice the signed area of a closed ring in lon/lat (positive: counter-clockwise)."""
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def _rfc7946_ring(ring: Iterable[Sequence[float]], exterior: bool) -> list[list[float]] | None:
    """A linear ring as RFC 7946 wants it: [lon, lat] positions, closed, at least four positions, exterior rings
    counter-clockwise and holes clockwise (the right-hand rule); None when it cannot be one."""
    points = [[float(p[0]), float(p[1])] for p in ring]
    if any(not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90)
           for lon, lat in points):
        return None
    if points and points[0] != points[-1]:
        points.append(list(points[0]))
    if len(points) < 4:
        return None
    area = _signed_area(points)
    if area == 0:
        return None
    if (area > 0) != exterior:
        points.reverse()
    return points


def _rfc7946_polygon(rings: Sequence[Iterable[Sequence[float]]]) -> list[list[list[float]]] | None:
    out = []
    for k, ring in enumerate(rings):
        fixed = _rfc7946_ring(ring, exterior=k == 0)
        if fixed is None:
            if k == 0:
                return None
            continue  # a broken hole is left out, the outline stays
        out.append(fixed)
    return out


def rfc7946_geometry(geometry: Mapping[str, Any]) -> dict[str, Any] | None:
    """A Polygon or MultiPolygon rewound and closed as RFC 7946 says (a new object); None when it has no usable
    exterior ring."""
    kind = geometry.get("type")
    if kind == "Polygon":
        rings = _rfc7946_polygon(geometry.get("coordinates") or [])
        return {"type": "Polygon", "coordinates": rings} if rings else None
    if kind == "MultiPolygon":
        polygons = [p for p in (_rfc7946_polygon(rings) for rings in geometry.get("coordinates") or []) if p]
        return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
    return None


def _district_geometry(scope_key: str, districts: Mapping[str, Feature]) -> tuple[dict[str, Any] | None,
                                                                                  tuple[float, float] | None]:
    """The boundary of the district named ``scope_key`` (English name) among the districts layer's features, or its
    centroid (lon, lat) when only the centroid is known."""
    from services.districts import districts as district_table

    key = scope_key.strip().casefold()
    codes = {d.code for d in district_table() if d.name_en.casefold() == key}
    centroid = next(((d.lon, d.lat) for d in district_table() if d.name_en.casefold() == key), None)
    for fid, feature in districts.items():
        props = feature.get("properties") or {}
        names = {str(props.get("name") or "").strip().casefold(), str(props.get("name_th") or "").strip().casefold()}
        if fid in codes or key in names:
            geometry = rfc7946_geometry(feature.get("geometry") or {})
            if geometry is not None:
                return geometry, centroid
    return None, centroid


def alert_features(alerts: Iterable[Any], *, districts: Mapping[str, Feature] | None = None,
                   radius_km: Mapping[str, float] | None = None,
                   areas: Mapping[str, Sequence[Sequence[float]]] | None = None) -> list[Feature]:
    """The ``alerts`` layer: one feature per open or acknowledged alert (services.alerts.model.AlertView-like) that
    has a place on the map, least severe first (the page draws them in order, so a critical one is on top).

    - a station or gauge alert: a ``ring`` (a Point; the page rings the station's marker); so is a province-wide
      alert placed at its worst station (a province's PM2.5)
    - a district alert: its boundary (``outline``: Polygon / MultiPolygon from the districts layer), or a ``circle``
      of ``radius_m`` round its centroid while the boundaries are not imported
    - an area alert: a landmark's ``circle`` (the radius of its rule, ``radius_km`` by rule id) or a named drawn
      area's ``outline`` (``areas``: name → [[lon, lat], ...])
    - feed alerts, and province-wide alerts without a place, are left out.

    Texts are in both languages (the page picks the one it shows) and stay text. Geometries follow RFC 7946: [lon,
    lat] positions, closed rings, exterior rings counter-clockwise; a circle is its centre Point with ``radius_m`` in
    its properties (GeoJSON has no circle)."""
    from services.alerts.rules import landmarks

    districts = districts or {}
    radius_km = radius_km or {}
    areas = areas or {}
    features: list[Feature] = []
    for a in alerts:
        if a.state not in ("open", "acknowledged"):
            continue
        point = (a.lon, a.lat) if a.lat is not None and a.lon is not None else None
        geometry: dict[str, Any] | None = None
        shape, radius_m = "ring", None
        if a.scope_kind in ("station", "gauge", "province"):
            pass  # a province's alert without a place has no point, and is left out below
        elif a.scope_kind == "district":
            geometry, centroid = _district_geometry(a.scope_key, districts)
            if geometry is not None:
                shape = "outline"
            else:
                shape, radius_m, point = "circle", DISTRICT_FALLBACK_RADIUS_M, centroid or point
        elif a.scope_kind == "area":
            mark = landmarks().get(a.scope_key)
            ring = areas.get(a.scope_key)
            if mark is not None:
                shape, point = "circle", (mark.lon, mark.lat)
                radius_m = float(radius_km.get(a.rule_id, AREA_FALLBACK_RADIUS_M / 1000)) * 1000
            elif ring is not None and (fixed := _rfc7946_ring(ring, exterior=True)) is not None:
                shape, geometry = "outline", {"type": "Polygon", "coordinates": [fixed]}
            else:
                shape, radius_m = "circle", AREA_FALLBACK_RADIUS_M
        else:
            continue  # a feed
        if geometry is None:
            if point is None or not all(math.isfinite(v) for v in point):
                continue
            geometry = {"type": "Point", "coordinates": [float(point[0]), float(point[1])]}
        feature_id = str(a.id)
        properties: dict[str, Any] = {
            "id": feature_id, "alert_id": int(a.id), "severity": a.severity, "state": a.state, "kind": a.kind,
            "scope_kind": a.scope_kind, "scope_key": a.scope_key, "shape": shape,
            "rule_th": a.rule_name_th or a.rule_id, "rule_en": a.rule_name_en or a.rule_id,
            "scope_th": a.scope_name_th or a.scope_key, "scope_en": a.scope_name_en or a.scope_key,
            "message_th": a.message_th or "", "message_en": a.message_en or "",
            "occurrences": int(a.occurrences), "time": iso_utc(a.first_at), "last": iso_utc(a.last_at),
        }
        if radius_m is not None:
            properties["radius_m"] = radius_m
        features.append({"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties})
    features.sort(key=lambda f: (ALERT_SEVERITY_RANK.get(f["properties"]["severity"], 0),
                                 f["properties"]["alert_id"]))
    return features
