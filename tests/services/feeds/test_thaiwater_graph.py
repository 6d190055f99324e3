"""ThaiWater ``waterlevel_graph`` (one gauge's history): both shapes, Thai local times, and hostile or changed
payloads giving rows or a clear error, never zeros."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.thaiwater import parse_waterlevel_graph, waterlevel_graph_params, waterlevel_graph_url


def _body(points: list, *, nested: bool = True, **extra: object) -> bytes:
    data = {"graph_data": points, "min_bank": 303.6, "ground_level": 299.8, **extra}
    return json.dumps({"result": "OK", "data": data} if nested else data).encode()


POINTS = [
    {"datetime": "2026-12-04 23:50", "value": 302.15, "discharge": 210.5},
    {"datetime": "2026-12-05 00:00", "value": 302.18, "discharge": None},
    {"datetime": "2026-12-05 00:10", "value": None, "discharge": None},  # not filled yet
]


@pytest.mark.parametrize("nested", [True, False])
def test_both_shapes_give_readings_of_the_gauge_named_by_the_caller(nested: bool) -> None:
    result = parse_waterlevel_graph(_body(POINTS, nested=nested), "P.1", "1079")
    assert not result.rejected and not result.notes
    first, second = result.records
    assert (first.station_code, first.station_id) == ("P.1", "1079")
    # Thai local time without an offset: 23:50 on 4 December is 16:50 UTC.
    assert first.observed_at == datetime(2026, 12, 4, 16, 50, tzinfo=UTC)
    assert second.observed_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert (first.level_msl, first.level_m, first.flow_m3s) == (302.15, None, 210.5)
    assert first.bank_diff_m == pytest.approx(302.15 - 303.6)  # below the bank: negative
    assert (first.min_bank_msl, first.ground_level_msl) == (303.6, 299.8)
    assert second.flow_m3s is None


def test_nulls_and_missing_values_are_dropped_never_zero() -> None:
    points = [
        {"datetime": "2026-12-05 01:00", "value": None},
        {"datetime": "2026-12-05 01:10"},  # no value key at all
        {"datetime": "2026-12-05 01:20", "value": ""},
        {"datetime": "2026-12-05 01:30", "value": "null"},
        {"datetime": "2026-12-05 01:40", "value": "302.40"},  # numbers as text happen
        {"datetime": "2026-12-05 01:50", "value": 0},  # a real 0 m MSL is a value (and implausible, but kept)
    ]
    result = parse_waterlevel_graph(_body(points), "P.1")
    assert [r.level_msl for r in result.records] == [302.40, 0.0]
    assert not result.rejected


def test_hostile_points_are_rejected_or_noted_one_by_one() -> None:
    points = [
        "not an object",
        {"datetime": "yesterday", "value": 302.0},
        {"datetime": None, "value": 302.0},
        {"datetime": "2026-12-05 02:00", "value": "abc"},
        {"datetime": "2026-12-05 02:10", "value": 1e308},
        {"datetime": "2026-12-05 02:20", "value": [302.0]},
        {"datetime": "2026-12-05 02:30", "value": 302.5, "discharge": "lots"},
        {"datetime": "2026-12-05 02:40", "value": 302.6},
    ]
    result = parse_waterlevel_graph(_body(points), "P.1")
    assert [r.level_msl for r in result.records] == [302.5, 302.6]
    assert result.records[0].flow_m3s is None  # the bad discharge is dropped, the level kept
    assert [r.where for r in result.rejected] == ["graph_data[0]", "graph_data[1]", "graph_data[2]"]
    assert len(result.notes) == 4 and all("dropped" in n.reason for n in result.notes)


def test_bank_and_ground_levels_may_be_text_missing_or_junk() -> None:
    as_text = parse_waterlevel_graph(_body(POINTS[:1], min_bank="303.60", ground_level="299.80"), "P.1")
    assert as_text.records[0].bank_diff_m == pytest.approx(-1.45) and as_text.records[0].ground_level_msl == 299.8
    missing = json.dumps({"result": "OK", "data": {"graph_data": POINTS[:1]}}).encode()
    record = parse_waterlevel_graph(missing, "P.1").records[0]
    assert (record.bank_diff_m, record.ground_level_msl, record.level_msl) == (None, None, 302.15)
    junk = parse_waterlevel_graph(_body(POINTS[:1], min_bank={"m": 1}), "P.1")
    assert junk.records[0].bank_diff_m is None and junk.notes


@pytest.mark.parametrize(
    ("body", "error", "needle"),
    [
        (b'{"result": "NO", "data": "station_id not found"}', MalformedPayload, "station_id not found"),
        (b"null", MalformedPayload, "JSON"),
        (b"", MalformedPayload, "empty"),
        (b"<html><title>502 Bad Gateway</title></html>", MalformedPayload, "502 Bad Gateway"),
        (b'{"result": "OK", "data": {"graph_data": [{"datetime": "2026-12-05 00:00", "value"', MalformedPayload,
         "truncated"),
        (b"[]", WrongPayloadKind, "list"),
        (b'{"result": "OK", "data": {}}', WrongPayloadKind, "graph_data"),
        (b'{"result": "OK", "data": null}', WrongPayloadKind, "graph_data"),
        (b'{"result": "OK", "data": {"graph_data": "none"}}', WrongPayloadKind, "graph_data"),
        (b'{"waterlevel_data": {"data": []}}', WrongPayloadKind, "ThaiWater water levels"),
    ],
)
def test_payloads_that_are_not_a_graph_raise_a_clear_error(body: bytes, error: type, needle: str) -> None:
    with pytest.raises(error, match=needle):
        parse_waterlevel_graph(body, "P.1")


def test_an_empty_graph_is_no_readings() -> None:
    assert parse_waterlevel_graph(_body([]), "P.1").records == []


def test_request_names_one_station_and_thai_dates() -> None:
    from datetime import date

    assert waterlevel_graph_url("https://api-v3.thaiwater.net/") == (
        "https://api-v3.thaiwater.net/api/v1/thaiwater30/public/waterlevel_graph")
    assert waterlevel_graph_params("1079", date(2026, 11, 5), date(2026, 12, 5)) == {
        "station_type": "tele_waterlevel", "station_id": "1079", "start_date": "2026-11-05",
        "end_date": "2026-12-05"}
