"""Boundary layers from GeoJSON (OCHA/HDX COD-AB district polygons and the like) → ``BoundaryFeature``."""

from __future__ import annotations

from typing import Any

from services.errors import WrongPayloadKind
from services.feeds.payload import guess_kind, load_json, to_str
from services.records import BoundaryFeature, ParseResult, Rejection

# Nesting depth of "coordinates" per geometry type (a position is depth 1).
_DEPTH = {"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4}
_ID_KEYS = ("ADM2_PCODE", "ADM1_PCODE")
_NAME_KEYS = ("ADM2_EN", "ADM1_EN", "name", "name_en", "NAME_EN", "NAME", "Name")
_NAME_TH_KEYS = ("ADM2_TH", "ADM1_TH", "name_th", "NAME_TH")


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and 2 <= len(value) <= 4
        and all(isinstance(n, int | float) and not isinstance(n, bool) for n in value)
    )


def _coordinates_ok(value: Any, depth: int) -> bool:
    if depth == 1:
        return _is_position(value)
    return isinstance(value, list) and bool(value) and all(_coordinates_ok(item, depth - 1) for item in value)


def geometry_problem(geometry: Any) -> str | None:
    """Why ``geometry`` is not a usable GeoJSON geometry, or ``None`` when it is."""
    if not isinstance(geometry, dict):
        return "no geometry" if geometry is None else f"geometry is a {type(geometry).__name__}, not an object"
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        if not isinstance(parts, list) or not parts:
            return "GeometryCollection without geometries"
        for part in parts:
            problem = geometry_problem(part)
            if problem:
                return f"in GeometryCollection: {problem}"
        return None
    if kind not in _DEPTH:
        return f"unknown geometry type {kind!r}"
    if not _coordinates_ok(geometry.get("coordinates"), _DEPTH[kind]):
        return f"{kind} coordinates are missing or malformed"
    return None


def _first(properties: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = to_str(properties.get(key))
        if value is not None:
            return value
    return None


def parse_boundaries(body: bytes | str) -> ParseResult[BoundaryFeature]:
    """Parse a FeatureCollection (or a single Feature) into features; a bad feature is rejected, the rest land.

    The id comes from ADM2_PCODE / ADM1_PCODE / the feature ``id`` / ``properties.id`` / ``feature-{index}``.
    """
    doc = load_json(body, "GeoJSON")
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    elif kind == "Feature":
        features = [doc]
    else:
        raise WrongPayloadKind(f"GeoJSON: expected a FeatureCollection or Feature, got {guess_kind(doc)}")
    result: ParseResult[BoundaryFeature] = ParseResult()
    seen: set[str] = set()
    for index, feature in enumerate(features):
        where = f"features[{index}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            result.rejected.append(Rejection(where, "not a GeoJSON Feature"))
            continue
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        feature_id = (
            _first(properties, _ID_KEYS)
            or to_str(feature.get("id"))
            or to_str(properties.get("id"))
            or f"feature-{index}"
        )
        problem = geometry_problem(feature.get("geometry"))
        if problem:
            result.rejected.append(Rejection(f"{where} ({feature_id})", problem))
            continue
        if feature_id in seen:
            result.rejected.append(Rejection(f"{where} ({feature_id})", "duplicate id"))
            continue
        seen.add(feature_id)
        geometry = feature["geometry"]
        result.records.append(
            BoundaryFeature(
                id=feature_id,
                name=_first(properties, _NAME_KEYS),
                name_th=_first(properties, _NAME_TH_KEYS),
                geometry_type=geometry["type"],
                geometry=geometry,
                properties=dict(properties),
            )
        )
    return result
