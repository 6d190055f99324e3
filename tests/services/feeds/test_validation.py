"""The shared checks of services.feeds.validation: regions, impossible numbers, text, nesting, times."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from services.feeds.validation import (
    MAX_NESTING,
    NORTHERN_THAILAND,
    THAILAND,
    admit,
    coordinate_problem,
    read_coordinate,
    record_problem,
    text_problem,
    time_problem,
    value_problem,
)
from services.records import FireHotspot, ParseResult, Rejection, ServiceRequest

T = datetime(2026, 3, 15, 6, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lat", "lon", "region", "needle"),
    [
        (math.nan, 98.9, None, "not a finite number"),
        (18.7, math.inf, None, "not a finite number"),
        (18.7, -math.inf, THAILAND, "not a finite number"),
        (1e308, 98.9, None, "not on Earth"),
        (18.7, 1000, None, "not on Earth"),
        (-90.5, 0, None, "not on Earth"),
        (13.75, 100.5, NORTHERN_THAILAND, "outside northern Thailand"),  # Bangkok
        (0, 0, THAILAND, "outside Thailand"),
        (21.5, 98.9, THAILAND, "outside Thailand"),
    ],
)
def test_coordinate_problems(lat, lon, region, needle):
    assert needle in (coordinate_problem(lat, lon, region) or "")


@pytest.mark.parametrize(
    ("lat", "lon", "region"),
    [
        (18.79, 98.98, NORTHERN_THAILAND),  # Chiang Mai city
        (20.43, 99.88, NORTHERN_THAILAND),  # Mae Sai, the seed's northernmost station
        (17.24, 98.01, NORTHERN_THAILAND),  # the province's south-west corner
        (7.2, 100.6, THAILAND),  # Songkhla: Air4Thai's national network must still land
        (13.75, 100.5, THAILAND),
        (-89.9, 179.9, None),
    ],
)
def test_usable_coordinates(lat, lon, region):
    assert coordinate_problem(lat, lon, region) is None


def test_region_covers_the_seed_data_and_the_firms_query_box():
    import json

    from resources import resource

    for name in ("air_stations", "districts", "landmarks", "river_stations"):
        for item in json.loads(resource("seed", f"{name}.json").read_text(encoding="utf-8")):
            assert NORTHERN_THAILAND.contains(item["lat"], item["lon"]), (name, item)
            assert THAILAND.contains(item["lat"], item["lon"]), (name, item)
    west, south, east, north = (98.0, 17.2, 99.6, 20.2)  # Settings.firms_bbox
    assert NORTHERN_THAILAND.contains(south, west) and NORTHERN_THAILAND.contains(north, east)


def test_read_coordinate_missing_is_not_a_problem_but_nan_is():
    def number(raw):
        return None if raw in ("", None) else float(raw)

    assert read_coordinate("", "98.9", NORTHERN_THAILAND, number) == (None, None)
    assert read_coordinate("18.7", "98.9", NORTHERN_THAILAND, number) == (18.7, 98.9)
    with pytest.raises(ValueError, match="not a finite number"):
        read_coordinate("nan", "98.9", NORTHERN_THAILAND, number)


def test_text_problems():
    assert text_problem("ok น้ำท่วม <script>") is None
    assert text_problem("a\x00b") == "contains a NUL character"
    assert "surrogate" in (text_problem("a\ud800b") or "")


def test_time_problems():
    assert time_problem(T) is None
    assert "Buddhist-Era" in (time_problem(datetime(2569, 3, 15, tzinfo=UTC)) or "")
    assert time_problem(datetime(1, 1, 1, tzinfo=UTC)) is not None
    assert time_problem(datetime(9999, 12, 31, tzinfo=UTC)) is not None


def test_value_problem_walks_deep_structures_without_recursion():
    deep: list = []
    for _ in range(100_000):  # far past the interpreter's recursion limit
        deep = [deep]
    assert value_problem(deep) == f"nested more than {MAX_NESTING} levels deep"
    shallow = {"a": [1, 2.5, "x", None, True, {"b": [T]}]}
    assert value_problem(shallow) is None


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ({"a": [1, math.nan]}, "nan is not a finite number"),
        ({"a\x00": 1}, "key contains a NUL character"),
        ([2**70], "too large to store"),
        ({"a": {"b": "x\ud800"}}, "lone surrogate"),
        (object(), "not a payload value"),
    ],
)
def test_value_problems(value, needle):
    assert needle in (value_problem(value) or "")


def test_admit_names_the_field_and_keeps_good_records():
    result: ParseResult[FireHotspot] = ParseResult()
    good = FireHotspot("VIIRS_SNPP_NRT", "N", 18.7, 98.9, T, "high", 1.0, "D")
    assert admit(result, good, "line 2")
    assert not admit(result, FireHotspot("VIIRS_SNPP_NRT", "N\x00", 18.7, 98.9, T, "high", 1.0, "D"), "line 3")
    assert result.records == [good]
    assert [str(r) for r in result.rejected] == ["line 3: satellite: contains a NUL character"]
    request = ServiceRequest("1", "open", "flood", "d", 18.7, 98.9, T, T, extra={"x": [math.inf]})
    assert record_problem(request) == "extra: inf is not a finite number"


def test_rejection_text_is_always_one_printable_line():
    rejection = Rejection("stations[0] (a\nb)", "name contains 'x\x00\ud800'")
    assert "\n" not in str(rejection) and "\x00" not in str(rejection)
    str(rejection).encode("utf-8")  # no lone surrogate left to fail an encoder, a log or the store
    assert rejection.where == "stations[0] (a\\x0ab)"
