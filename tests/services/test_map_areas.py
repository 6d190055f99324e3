"""Map areas as workstation settings: the changes the operator makes, the round trip through settings.json, and
hostile input refused (a file edited by hand, or a page that sends what it likes)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from services import map_areas
from services.map_areas import MAX_AREA_POINTS, MAX_SAVED_AREAS, AreaProblem, MapAreas
from services.settings import Settings, SettingsError, load_settings, save_setting

RIVERSIDE = [[98.99, 18.78], [99.01, 18.78], [99.01, 18.80], [98.99, 18.80]]
OLD_CITY = ((98.98, 18.78), (98.995, 18.78), (98.995, 18.795))


def _code(call) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    with pytest.raises(AreaProblem) as refused:
        call()
    return refused.value.code, refused.value.reason


def test_draw_save_apply_rename_delete_clear() -> None:
    areas = map_areas.draw(MapAreas(), RIVERSIDE)
    assert areas.active is not None and areas.active.name is None and areas.saved == ()
    assert areas.active.polygon == tuple(tuple(p) for p in RIVERSIDE)
    areas = map_areas.save_active(areas, "  ริมน้ำปิง\t(น้ำท่วม) ")
    assert areas.names() == ["ริมน้ำปิง (น้ำท่วม)"] and areas.active.name == "ริมน้ำปิง (น้ำท่วม)"
    areas = map_areas.save_active(map_areas.draw(areas, OLD_CITY), "Old city")
    assert areas.names() == ["ริมน้ำปิง (น้ำท่วม)", "Old city"]
    assert _code(lambda: map_areas.save_active(areas, "OLD  CITY")) == ("duplicate_name", None)

    areas = map_areas.apply_saved(areas, "ริมน้ำปิง (น้ำท่วม)")
    assert areas.active.name == "ริมน้ำปิง (น้ำท่วม)" and areas.active.polygon[0] == (98.99, 18.78)
    assert _code(lambda: map_areas.apply_saved(areas, "nowhere")) == ("unknown_area", None)

    areas = map_areas.rename(areas, "ริมน้ำปิง (น้ำท่วม)", "Ping riverside")
    assert areas.names() == ["Ping riverside", "Old city"] and areas.active.name == "Ping riverside"
    assert map_areas.rename(areas, "old city", "Old City").names() == ["Ping riverside", "Old City"]  # case only
    assert _code(lambda: map_areas.rename(areas, "Old city", "ping RIVERSIDE")) == ("duplicate_name", None)
    assert _code(lambda: map_areas.rename(areas, "Old city", " \n ")) == ("invalid_name", "empty_name")
    assert _code(lambda: map_areas.rename(areas, "Old city", "x\x00y")) == ("invalid_name", "bad_name")
    assert _code(lambda: map_areas.rename(areas, "Old city", "x" * 81)) == ("invalid_name", "long_name")

    # Deleting the area in effect keeps its polygon in effect, unnamed: the queue does not change under the operator.
    deleted = map_areas.delete(areas, "PING riverside")
    assert deleted.names() == ["Old city"]
    assert deleted.active is not None and deleted.active.name is None and deleted.active.polygon[0] == (98.99, 18.78)
    assert map_areas.delete(areas, "Old city").active == areas.active
    assert map_areas.clear(areas).active is None and map_areas.clear(areas).names() == areas.names()
    assert _code(lambda: map_areas.save_active(MapAreas(), "x")) == ("no_area", None)


def test_at_most_so_many_saved_areas() -> None:
    areas = map_areas.draw(MapAreas(), RIVERSIDE)
    for k in range(MAX_SAVED_AREAS):
        areas = map_areas.save_active(areas, f"area {k}")
    assert _code(lambda: map_areas.save_active(areas, "one more")) == ("too_many_areas", None)


@pytest.mark.parametrize(("polygon", "reason"), [
    ([[98.99, math.nan], [99.01, 18.78], [99.01, 18.80]], "not_finite"),
    ([[98.99, 18.78], [math.inf, 18.78], [99.01, 18.80]], "not_finite"),
    ([[True, 18.78], [99.01, 18.78], [99.01, 18.80]], "not_finite"),
    ([["98.99", 18.78], [99.01, 18.78], [99.01, 18.80]], "not_finite"),
    ([[98.99, 18.78]] * (10 ** 6), "too_many_points"),
    ([[98.99, 18.78]] * (MAX_AREA_POINTS + 1), "too_many_points"),
    ([[98.99, 18.78], [99.01, 18.78]], "too_few_points"),
    ("98.99,18.78 99.01,18.78 99.01,18.80", "not_a_list"),
    ({"type": "Polygon"}, "not_a_list"),
    (None, "not_a_list"),
    ([[98.99, 18.78, 0], [99.01, 18.78], [99.01, 18.80]], "not_a_point"),
    ([98.99, 18.78, 99.01], "not_a_point"),
    ([[0.0, 0.0], [99.01, 18.78], [99.01, 18.80]], "outside_region"),  # Null Island
    ([[18.78, 98.99], [18.78, 99.01], [18.80, 99.01]], "outside_region"),  # lat and lon swapped
])
def test_a_hostile_polygon_is_refused(polygon: object, reason: str) -> None:
    started = time.perf_counter()
    assert _code(lambda: map_areas.draw(MapAreas(), polygon)) == ("invalid_polygon", reason)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 1.0  # a million points are refused by their count, not read


def test_the_largest_polygon_allowed_is_accepted() -> None:
    ring = [[98.9 + 0.1 * math.cos(2 * math.pi * k / MAX_AREA_POINTS),
             18.8 + 0.1 * math.sin(2 * math.pi * k / MAX_AREA_POINTS)] for k in range(MAX_AREA_POINTS)]
    assert len(map_areas.draw(MapAreas(), ring).active.polygon) == MAX_AREA_POINTS  # type: ignore[union-attr]


def test_settings_round_trip_keeps_the_rest_of_the_file_as_written(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"language": "en", "cadences": {"air4thai": 900}}), encoding="utf-8")
    areas = map_areas.save_active(map_areas.draw(MapAreas(), RIVERSIDE), "ริมน้ำปิง")
    areas = map_areas.draw(areas, OLD_CITY)  # in effect: drawn, not saved
    written = save_setting(path, "map_areas", areas.model_dump(mode="json"))
    assert written.map_areas == areas and written.language == "en"
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert set(raw) == {"language", "cadences", "map_areas"}  # no defaults written out
    assert raw["cadences"] == {"air4thai": 900}
    assert raw["map_areas"]["saved"][0]["name"] == "ริมน้ำปิง"
    loaded = load_settings(path)
    assert loaded.map_areas == areas
    assert loaded.map_areas.active is not None and loaded.map_areas.active.polygon == OLD_CITY

    save_setting(path, "map_areas", map_areas.clear(areas).model_dump(mode="json"))
    assert load_settings(path).map_areas.active is None and load_settings(path).map_areas.names() == ["ริมน้ำปิง"]
    assert Settings().map_areas == MapAreas()  # none by default
    with pytest.raises(KeyError):
        save_setting(path, "no_such_setting", 1)


@pytest.mark.parametrize("map_areas_json", [
    '{"saved": [{"name": "x", "polygon": [[98.99, NaN], [99.01, 18.78], [99.01, 18.8]]}]}',
    '{"active": {"polygon": [[98.99, Infinity], [99.01, 18.78], [99.01, 18.8]]}}',
    '{"active": {"polygon": ' + json.dumps([[98.99, 18.78]] * 10 ** 6) + '}}',
    '{"active": {"polygon": "everything"}}',
    '{"active": {"polygon": {"0": [98.99, 18.78]}}}',
    '{"saved": "all of them"}',
    '{"saved": [{"name": "x", "polygon": [[98.9, 18.7], [99.0, 18.7], [99.0, 18.8]]},'
    ' {"name": "X ", "polygon": [[98.9, 18.7], [99.0, 18.7], [99.0, 18.8]]}]}',
    '{"saved": [{"name": "\\u0007bell", "polygon": [[98.9, 18.7], [99.0, 18.7], [99.0, 18.8]]}]}',
    '{"saved": [{"polygon": [[98.9, 18.7], [99.0, 18.7], [99.0, 18.8]]}]}',
    '{"active": {"name": "x", "polygon": [[98.9, 18.7], [99.0, 18.7], [99.0, 18.8]], "colour": "red"}}',
    '{"saved": [], "active": null, "extra": 1}',
])
def test_a_hand_edited_file_with_hostile_areas_is_refused(tmp_path: Path, map_areas_json: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"language": "en", "map_areas": ' + map_areas_json + "}", encoding="utf-8")
    with pytest.raises(SettingsError, match="settings.json"):
        load_settings(path)
    # Nor is a change written over it: the file stays as the operator left it, to be mended by hand.
    before = path.read_bytes()
    with pytest.raises(SettingsError):
        save_setting(path, "language", "th")
    assert path.read_bytes() == before


def test_a_file_that_cannot_be_written_is_a_settings_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be", encoding="utf-8")
    with pytest.raises(SettingsError, match="could not be written"):
        save_setting(blocker / "settings.json", "map_areas",
                     map_areas.draw(MapAreas(), RIVERSIDE).model_dump(mode="json"))
    assert blocker.read_text(encoding="utf-8") == "a file where the data directory should be"
