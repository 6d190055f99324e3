"""Boundary layers from GeoJSON (OCHA/HDX COD-AB district polygons and the like) → ``BoundaryFeature``.

Every position must be finite and in the region (a generous box around northern Thailand: the layers are the
province's). The map draws what is stored, and a NaN that got into the store broke every start, so a feature with
one bad position is rejected whole: half a polygon is no boundary.
"""

from __future__ import annotations

import math
from typing import Any

from services.errors import WrongPayloadKind
from services.feeds.payload import guess_kind, load_json, to_str
from services.feeds.validation import NORTHERN_THAILAND, Region, admit, coordinate_problem
from services.records import BoundaryFeature, ParseResult, Rejection

# Nesting depth of "coordinates" per geometry type (a position is depth 1).
_DEPTH = {"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4}
_ID_KEYS = ("ADM2_PCODE", "ADM1_PCODE")
_NAME_KEYS = ("ADM2_EN", "ADM1_EN", "name", "name_en", "NAME_EN", "NAME", "Name")
_NAME_TH_KEYS = ("ADM2_TH", "ADM1_TH", "name_th", "NAME_TH")
# RFC 7946 §3.1.8: implementations SHOULD avoid nested GeometryCollections; a few levels are tolerated.
_MAX_COLLECTION_NESTING = 3


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and 2 <= len(value) <= 4
        and all(isinstance(n, int | float) and not isinstance(n, bool) for n in value)
    )


def _coordinates_problem(value: Any, depth: int, region: Region | None) -> str | None:
    """Why a ``coordinates`` member of nesting ``depth`` (1 = one position) is unusable; iterative, depth ≤ 4."""
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if level == 1:
            if not _is_position(item):
                return "malformed"
            lon, lat = item[0], item[1]
            problem = coordinate_problem(lat, lon, region)
            if problem is None and not all(math.isfinite(n) for n in item[2:]):
                problem = f"altitude {item[2]} is not a finite number"
            if problem:
                return problem
        elif isinstance(item, list) and item:
            stack.extend((child, level - 1) for child in item)
        else:
            return "malformed"
    return None


def geometry_problem(geometry: Any, region: Region | None = NORTHERN_THAILAND, *, _nesting: int = 0) -> str | None:
    """Why ``geometry`` is not a usable GeoJSON geometry in ``region`` (None: anywhere on Earth), or ``None``."""
    if not isinstance(geometry, dict):
        return "no geometry" if geometry is None else f"geometry is a {type(geometry).__name__}, not an object"
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        if not isinstance(parts, list) or not parts:
            return "GeometryCollection without geometries"
        if _nesting >= _MAX_COLLECTION_NESTING:
            return f"GeometryCollections nested more than {_MAX_COLLECTION_NESTING} deep"
        for part in parts:
            problem = geometry_problem(part, region, _nesting=_nesting + 1)
            if problem:
                return f"in GeometryCollection: {problem}"
        return None
    if not isinstance(kind, str) or kind not in _DEPTH:  # a list or object as "type" is not hashable
        shown = repr(kind) if kind is None or isinstance(kind, str | int | float) else f"(a JSON {type(kind).__name__})"
        return f"unknown geometry type {shown}"
    problem = _coordinates_problem(geometry.get("coordinates"), _DEPTH[kind], region)
    if problem == "malformed":
        return f"{kind} coordinates are missing or malformed"
    return f"{kind}: {problem}" if problem else None


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
        geometry = feature["geometry"]
        record = BoundaryFeature(
            id=feature_id,
            name=_first(properties, _NAME_KEYS),
            name_th=_first(properties, _NAME_TH_KEYS),
            geometry_type=geometry["type"],
            geometry=geometry,
            properties=dict(properties),
        )
        if admit(result, record, f"{where} ({feature_id})"):
            seen.add(feature_id)
    return result
