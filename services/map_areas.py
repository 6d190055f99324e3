"""Map areas: the polygon that filters incidents on the map and in the queue, and the named ones kept for reuse.

They are workstation settings, not backend data: an operator's "flooded riverside" is the same whichever backend
the console talks to, so they live in ``settings.json`` (``map_areas``), never in the store. The models check what
an area may be wherever it comes from (the map page, a hand-edited file): a name, and a ring of at least 3 and at
most :data:`MAX_AREA_POINTS` finite [lon, lat] points inside :data:`AREA_REGION`.

Every change is a pure function of :class:`MapAreas` that returns the new value or raises :class:`AreaProblem`
(a code, never UI text); the console shows it, redraws the map and the queue, and writes the new value
(``services.settings.save_setting``) on the database worker.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from services.errors import ServiceError
from services.feeds.validation import NORTHERN_THAILAND

MAX_AREA_POINTS = 1000  # a hand-drawn area has tens; an imported district outline a few hundred
MAX_SAVED_AREAS = 100
MAX_NAME_CHARS = 80
#: Areas must lie in the generous box around the province that incidents are accepted in.
AREA_REGION = NORTHERN_THAILAND

Point = tuple[float, float]


class AreaProblem(ServiceError):
    """An area change that cannot be made. ``code``: ``invalid_polygon`` (``reason`` says why), ``invalid_name``,
    ``duplicate_name``, ``unknown_area``, ``no_area`` or ``too_many_areas``; ``name`` the area concerned."""

    def __init__(self, code: str, *, name: str | None = None, reason: str | None = None) -> None:
        super().__init__(f"map area refused: {code}" + (f" ({reason})" if reason else "")
                         + (f": {name!r}" if name is not None else ""))
        self.code = code
        self.name = name
        self.reason = reason


def _polygon(value: Any) -> tuple[Point, ...]:
    """A ring of (lon, lat) points; the error types say why not (too_few_points, too_many_points, not_a_point,
    not_finite, outside_region)."""
    if not isinstance(value, list | tuple):
        raise PydanticCustomError("not_a_list", "a polygon must be a list of [lon, lat] points")
    if len(value) < 3:  # checked before any point is read: a million points are refused at once
        raise PydanticCustomError("too_few_points", "a polygon needs at least 3 points")
    if len(value) > MAX_AREA_POINTS:
        raise PydanticCustomError("too_many_points", "a polygon may have at most {limit} points",
                                  {"limit": MAX_AREA_POINTS})
    points = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise PydanticCustomError("not_a_point", "each point must be [lon, lat]")
        lon, lat = pair
        for number in (lon, lat):
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                raise PydanticCustomError("not_finite", "coordinates must be finite numbers")
        if not AREA_REGION.contains(float(lat), float(lon)):
            raise PydanticCustomError("outside_region", "the point lon {lon}, lat {lat} is outside {region}",
                                      {"lon": lon, "lat": lat, "region": str(AREA_REGION)})
        points.append((float(lon), float(lat)))
    return tuple(points)


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("not_a_name", "an area name must be text")
    name = " ".join(value.split())  # no leading, trailing or repeated white space; tabs and newlines become spaces
    if not name:
        raise PydanticCustomError("empty_name", "an area needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise PydanticCustomError("long_name", "an area name may have at most {limit} characters",
                                  {"limit": MAX_NAME_CHARS})
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in name):
        raise PydanticCustomError("bad_name", "an area name may not hold control or unassigned characters")
    return name


Polygon = Annotated[tuple[Point, ...], BeforeValidator(_polygon)]
AreaName = Annotated[str, BeforeValidator(_name)]


class SavedArea(BaseModel):
    """A named area the operator kept for reuse."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: AreaName
    polygon: Polygon


class ActiveArea(BaseModel):
    """The area filtering incidents now; ``name`` is the saved area it came from (None: drawn, not saved)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: AreaName | None = None
    polygon: Polygon


class MapAreas(BaseModel):
    """The ``map_areas`` setting: the saved areas (names unique regardless of case) and the one in effect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    saved: tuple[SavedArea, ...] = Field((), max_length=MAX_SAVED_AREAS)
    active: ActiveArea | None = None

    @model_validator(mode="after")
    def _names_unique(self) -> MapAreas:
        keys = [_key(a.name) for a in self.saved]
        if len(set(keys)) != len(keys):
            raise ValueError("two saved areas have the same name")
        return self

    def find(self, name: str) -> SavedArea | None:
        """The saved area called ``name`` (case and spacing aside), or None."""
        key = _key(name)
        return next((a for a in self.saved if _key(a.name) == key), None)

    def names(self) -> list[str]:
        return [a.name for a in self.saved]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_NAME = TypeAdapter(AreaName)


def _valid_name(name: str) -> str:
    try:
        return _NAME.validate_python(name)
    except ValidationError as exc:
        raise AreaProblem("invalid_name", name=name, reason=exc.errors()[0]["type"]) from None


# --- changes (pure: each returns the new MapAreas) ---------------------------------------------------------------


def draw(areas: MapAreas, polygon: Sequence[Sequence[float]]) -> MapAreas:
    """A polygon drawn on the map becomes the area in effect (not saved, no name)."""
    try:
        active = ActiveArea(polygon=polygon)  # type: ignore[arg-type]  # checked and converted by _polygon
    except ValidationError as exc:
        raise AreaProblem("invalid_polygon", reason=exc.errors()[0]["type"]) from None
    return areas.model_copy(update={"active": active})


def clear(areas: MapAreas) -> MapAreas:
    """No area filter."""
    return areas.model_copy(update={"active": None})


def apply_saved(areas: MapAreas, name: str) -> MapAreas:
    """The saved area ``name`` becomes the area in effect."""
    found = areas.find(name)
    if found is None:
        raise AreaProblem("unknown_area", name=name)
    return areas.model_copy(update={"active": ActiveArea(name=found.name, polygon=found.polygon)})


def save_active(areas: MapAreas, name: str) -> MapAreas:
    """Keep the area in effect under ``name`` (a new name: an existing one is refused, not overwritten)."""
    if areas.active is None:
        raise AreaProblem("no_area")
    name = _valid_name(name)
    if areas.find(name) is not None:
        raise AreaProblem("duplicate_name", name=name)
    if len(areas.saved) >= MAX_SAVED_AREAS:
        raise AreaProblem("too_many_areas", name=name)
    saved = SavedArea(name=name, polygon=areas.active.polygon)
    return MapAreas(saved=(*areas.saved, saved), active=ActiveArea(name=name, polygon=saved.polygon))


def rename(areas: MapAreas, old: str, new: str) -> MapAreas:
    """Rename a saved area (the area in effect follows when it is that one)."""
    found = areas.find(old)
    if found is None:
        raise AreaProblem("unknown_area", name=old)
    new = _valid_name(new)
    other = areas.find(new)
    if other is not None and other is not found:
        raise AreaProblem("duplicate_name", name=new)
    renamed = SavedArea(name=new, polygon=found.polygon)
    active = areas.active
    if active is not None and active.name is not None and _key(active.name) == _key(found.name):
        active = ActiveArea(name=new, polygon=active.polygon)
    return MapAreas(saved=tuple(renamed if a is found else a for a in areas.saved), active=active)


def delete(areas: MapAreas, name: str) -> MapAreas:
    """Forget a saved area. When it is the one in effect, its polygon stays in effect, without a name (the queue
    does not change under the operator; they can clear it or save it again)."""
    found = areas.find(name)
    if found is None:
        raise AreaProblem("unknown_area", name=name)
    active = areas.active
    if active is not None and active.name is not None and _key(active.name) == _key(found.name):
        active = ActiveArea(polygon=active.polygon)
    return MapAreas(saved=tuple(a for a in areas.saved if a is not found), active=active)
