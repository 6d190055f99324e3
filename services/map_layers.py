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
from services.river_status import status_of
from services.records import BoundaryFeature, iso_utc

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
