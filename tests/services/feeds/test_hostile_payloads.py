"""Hostile payloads, parser by parser (issue 9 §4): the same parsers serve the sync service and the import command.

A payload nobody can read raises ``MalformedPayload`` with the reason; a record that cannot be used is rejected with
its reason while the rest lands; a field that cannot be used is dropped with a note, which is not a rejection.
"""

from __future__ import annotations

import json

import pytest

from services.errors import MalformedPayload
from services.feeds import air4thai, firms, geojson, open311, thaiwater

FIRMS_HEADER = ("latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
                "bright_ti5,frp,daynight")


def firms_row(lat: object = "19.38412", lon: object = "98.92031", satellite: str = "N", daynight: str = "N") -> str:
    return f"{lat},{lon},345.62,0.39,0.36,2026-03-15,41,{satellite},VIIRS,n,2.0NRT,291.34,6.12,{daynight}"


def feature(fid: str, coordinates: object, kind: str = "Point", **properties: object) -> dict:
    return {"type": "Feature", "id": fid, "properties": properties, "geometry": {"type": kind,
                                                                                 "coordinates": coordinates}}


def collection(*features: object) -> str:
    # allow_nan: Python writes NaN / Infinity, as a hostile or broken exporter would
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, allow_nan=True)


DEEP = "[" * 100_000 + "]" * 100_000


# --- every JSON reader: nesting and numbers the decoder cannot take -----------------------------------------------

@pytest.mark.parametrize(
    "parse",
    [air4thai.parse_latest, air4thai.parse_history, thaiwater.parse_waterlevel, geojson.parse_boundaries,
     open311.parse_requests, open311.parse_services, open311.parse_request_updates, open311.detect_kind],
)
@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (DEEP, "nested too deeply"),
        ('{"stations": ' + DEEP + "}", "nested too deeply"),
        ('[{"service_request_id": ' + "9" * 5000 + "}]", "unreadable JSON"),
    ],
)
def test_json_a_reader_cannot_take_is_malformed_not_a_crash(parse, body, needle):
    with pytest.raises(MalformedPayload, match=needle):
        parse(body)


# --- GeoJSON -------------------------------------------------------------------------------------------------------

RING = [[98.93, 18.74], [99.03, 18.74], [99.03, 18.84], [98.93, 18.74]]


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        (feature("nan", [float("nan"), 18.7]), "not a finite number"),
        (feature("inf", [98.9, float("inf")]), "not a finite number"),
        (feature("poly", [[[98.9, 18.7], [99.0, float("nan")], [99.0, 18.8], [98.9, 18.7]]], "Polygon"),
         "not a finite number"),
        (feature("alt", [98.9, 18.7, float("nan")]), "altitude nan"),
        (feature("huge", [1e308, 18.7]), "not on Earth"),
        (feature("k", [98.9, 1000]), "not on Earth"),
        (feature("bangkok", [100.5, 13.75]), "outside northern Thailand"),
        (feature("nul", [98.9, 18.7], name="Mae\x00Rim"), "name: contains a NUL character"),
        (feature("deep", [98.9, 18.7], extra=json.loads("[" * 200 + "]" * 200)), "nested more than"),
        ({"type": "Feature", "id": "gc", "properties": {}, "geometry": json.loads(
            '{"type":"GeometryCollection","geometries":[' * 400 + '{"type":"Point","coordinates":[98.9,18.7]}'
            + "]}" * 400)}, "GeometryCollections nested more than"),
    ],
)
def test_geojson_feature_with_unusable_geometry_or_text_is_rejected_rest_lands(bad, needle):
    result = geojson.parse_boundaries(collection(feature("TH5001", [RING], "Polygon"), bad))
    assert [f.id for f in result.records] == ["TH5001"]
    [rejection] = result.rejected
    assert rejection.where == f"features[1] ({bad['id']})" and needle in rejection.reason


def test_geojson_rejected_feature_frees_its_id_for_a_later_good_copy():
    result = geojson.parse_boundaries(collection(feature("X", [float("nan"), 18.7]), feature("X", [98.9, 18.7])))
    assert [f.geometry["coordinates"] for f in result.records] == [[98.9, 18.7]]


# --- FIRMS CSV -----------------------------------------------------------------------------------------------------

def test_firms_cr_only_line_ends_read_like_lf():
    rows = [firms_row(), firms_row("18.50233", "98.35417", daynight="D")]
    lf = firms.parse_area_csv("\n".join([FIRMS_HEADER, *rows]) + "\n")
    cr = firms.parse_area_csv("\r".join([FIRMS_HEADER, *rows]) + "\r")
    assert len(lf.records) == 2 and cr.records == lf.records and cr.rejected == []


def test_firms_stray_cr_in_a_row_rejects_that_row_only():
    body = "\n".join([FIRMS_HEADER, firms_row(), firms_row(satellite="N\rX"), firms_row("18.5", "98.3")]) + "\n"
    result = firms.parse_area_csv(body)
    assert [h.lat for h in result.records] == [19.38412, 18.5]
    assert len(result.rejected) == 2 and all("fields" in r.reason for r in result.rejected)


def test_firms_field_over_the_csv_limit_refuses_the_file():
    body = "\n".join([FIRMS_HEADER, firms_row(), firms_row(satellite="x" * 200_000)]) + "\n"
    with pytest.raises(MalformedPayload, match="line 3: a field is longer than 131072 characters"):
        firms.parse_area_csv(body)


def test_firms_cut_right_after_a_comma_rejects_the_cut_row():
    whole = firms_row("18.5", "98.3")
    cut = whole[: whole.rindex(",") + 1]  # every field there but the last, which never arrived
    result = firms.parse_area_csv("\n".join([FIRMS_HEADER, firms_row(), cut]))
    assert [h.lat for h in result.records] == [19.38412]
    assert [str(r) for r in result.rejected] == ["line 3: the file ends right after a comma: this row was cut off"]
    # The same row, complete, or with an empty last field on a finished line, is a good record.
    assert len(firms.parse_area_csv("\n".join([FIRMS_HEADER, firms_row(), whole])).records) == 2


@pytest.mark.parametrize(
    ("lat", "lon", "needle"),
    [
        ("nan", "98.9", "not a finite number"),
        ("19.3", "inf", "not a finite number"),
        ("1e308", "98.9", "not on Earth"),
        ("19.3", "1000", "not on Earth"),
        ("13.75", "100.5", "outside northern Thailand"),
        ("", "98.9", "no coordinate"),
    ],
)
def test_firms_hotspot_without_a_usable_place_is_rejected(lat, lon, needle):
    result = firms.parse_area_csv("\n".join([FIRMS_HEADER, firms_row(), firms_row(lat, lon)]) + "\n")
    assert len(result.records) == 1
    [rejection] = result.rejected
    assert rejection.where == "line 3" and needle in rejection.reason


def test_firms_nul_in_text_and_huge_whole_numbers_are_rejected():
    body = "\n".join([FIRMS_HEADER + ",type", firms_row(satellite="N\x00") + ",0", firms_row() + ",1" + "0" * 30,
                      firms_row() + ",2"]) + "\n"
    result = firms.parse_area_csv(body)
    assert [h.fire_type for h in result.records] == [2]
    reasons = [str(r) for r in result.rejected]
    assert reasons[0] == "line 2: satellite: contains a NUL character"
    assert reasons[1].startswith("line 3:") and "too large" in reasons[1]


# --- Open311 -------------------------------------------------------------------------------------------------------

def request(rid: str, **fields: object) -> dict:
    return {"service_request_id": rid, "status": "open", "service_code": "flood", "lat": 18.79, "long": 98.99,
            "requested_datetime": "2026-09-28T14:05:00+07:00", **fields}


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"lat": float("nan")}, "not a finite number"),
        ({"long": "Infinity"}, "not a finite number"),
        ({"lat": 1e308}, "not on Earth"),
        ({"long": 1000}, "not on Earth"),
        ({"lat": 13.75, "long": 100.5}, "outside northern Thailand"),
    ],
)
def test_open311_request_keeps_landing_without_an_unusable_place(fields, needle):
    result = open311.parse_requests(json.dumps([request("1", **fields)], allow_nan=True))
    [kept] = result.records
    assert (kept.lat, kept.lon) == (None, None)  # the incident exists on the server; only its place is refused
    assert result.rejected == []
    [note] = result.notes
    assert note.where == "[0] (1)" and "coordinate dropped" in note.reason and needle in note.reason


def test_open311_nul_in_text_rejects_the_request_rest_lands():
    body = json.dumps([request("1", description="flood\x00"), request("2"), request("3", service_name="a\ud800")])
    result = open311.parse_requests(body)
    assert [r.id for r in result.records] == ["2"]
    assert [str(r) for r in result.rejected] == [
        "[0] (1): description: contains a NUL character",
        "[2] (3): service_name: contains a lone surrogate (not valid Unicode)",
    ]


def test_open311_extension_fields_the_store_reads_keep_their_type():
    body = json.dumps([
        request("1", source={"x": 1}, reporter_name=["a"], sla_paused_s="abc"),
        request("2", sla_paused_s=1e300, resumed_state="acknowledged"),
        request("3", sla_paused_s="3600", version=2**70),
    ])
    result = open311.parse_requests(body)
    by_id = {r.id: r for r in result.records}
    assert set(by_id) == {"1", "2", "3"} and result.rejected == []
    assert "source" not in by_id["1"].extra and "reporter_name" not in by_id["1"].extra
    assert "sla_paused_s" not in by_id["1"].extra and "sla_paused_s" not in by_id["2"].extra
    assert by_id["2"].extra["resumed_state"] == "acknowledged"
    assert by_id["3"].extra["sla_paused_s"] == 3600 and by_id["3"].version is None
    assert len(result.notes) == 5


def test_open311_times_out_of_range_are_dropped_with_a_note():
    body = json.dumps([request("1", requested_datetime="0001-01-01T00:00:00+14:00"),
                       request("2", updated_datetime="2569-09-28T14:05:00+07:00")])
    result = open311.parse_requests(body)
    assert [r.requested_at for r in result.records][0] is None and result.records[1].updated_at is None
    reasons = [str(n) for n in result.notes]
    assert "range of dates" in reasons[0] and "Buddhist-Era" in reasons[1]


def test_open311_ids_that_are_lists_are_not_ids():
    result = open311.parse_requests(json.dumps([request("1"), {**request("x"), "service_request_id": [[1]]}]))
    assert [r.id for r in result.records] == ["1"]
    assert [str(r) for r in result.rejected] == ["[1]: no service_request_id or status"]


def test_open311_updates_and_services_reject_nul_text():
    updates = open311.parse_request_updates(json.dumps([
        {"update_id": "1", "service_request_id": "7", "description": "ok"},
        {"update_id": "2", "service_request_id": "7", "description": "bad\x00"},
    ]))
    assert [u.update_id for u in updates.records] == ["1"] and len(updates.rejected) == 1
    services = open311.parse_services(json.dumps([
        {"service_code": "flood", "service_name": "Flood"},
        {"service_code": "fire", "service_name": "Fire\x00"},
    ]))
    assert [s.service_code for s in services.records] == ["flood"]
    assert [str(r) for r in services.rejected] == ["[1] (fire): service_name: contains a NUL character"]


# --- Air4Thai and ThaiWater: national networks ------------------------------------------------------------------

def station(sid: str, lat: object = "18.840732", lon: object = "98.969949", **fields: object) -> dict:
    return {"stationID": sid, "nameEN": f"Station {sid}", "lat": lat, "long": lon,
            "AQILast": {"date": "2026-03-15", "time": "14:00", "PM25": {"value": "38.2"}}, **fields}


def test_air4thai_national_stations_land_and_bad_places_are_notes():
    body = json.dumps({"stations": [
        station("35t"), station("44t", "7.206", "100.596"),  # Songkhla, 1,100 km south: still Thailand
        station("nan", "NaN", "98.9"), station("far", "0", "0"), station("big", "1e308", "98.9"),
    ]})
    result = air4thai.parse_latest(body)
    by_id = {r.station_id: r for r in result.records}
    assert set(by_id) == {"35t", "44t", "nan", "far", "big"} and result.rejected == []
    assert by_id["44t"].lat == 7.206
    assert all(by_id[s].lat is None and by_id[s].lon is None for s in ("nan", "far", "big"))
    reasons = {n.where: n.reason for n in result.notes}
    assert "not a finite number" in reasons["stations[2] (nan)"]
    assert "outside Thailand" in reasons["stations[3] (far)"]
    assert "not on Earth" in reasons["stations[4] (big)"]


def test_air4thai_nul_text_rejects_the_reading_and_absurd_values_are_notes():
    body = json.dumps({"stations": [
        station("35t", nameTH="ศาลากลาง\x00"),
        station("36t", AQILast={"date": "2026-03-15", "time": "14:00", "PM25": {"value": "1e308"},
                                "PM10": {"value": "70"}}),
        station("37t", AQILast={"date": "2569-03-15", "time": "14:00", "PM25": {"value": "38"}}),
    ]})
    result = air4thai.parse_latest(body)
    assert [r.station_id for r in result.records] == ["36t"]
    assert result.records[0].pm25 is None and result.records[0].pm10 == 70.0
    reasons = [str(r) for r in result.rejected]
    assert reasons[0] == "stations[0] (35t): name_th: contains a NUL character"
    assert "Buddhist-Era" in reasons[1]
    assert [n.where for n in result.notes] == ["stations[1] (36t).PM25"]


def test_thaiwater_bad_place_and_numbers_are_notes_nul_rejects():
    def record(code: str, lat: object = 18.787, lon: object = 99.0051, **fields: object) -> dict:
        return {"station": {"id": 1, "tele_station_oldcode": code, "tele_station_lat": lat, "tele_station_long": lon,
                            "tele_station_name": {"th": "สะพาน", "en": "Bridge"}},
                "waterlevel_datetime": "2026-09-28 14:00", "waterlevel_msl": "303.2", **fields}

    body = json.dumps({"waterlevel_data": {"data": [
        record("P.1"), record("C.13", 15.17, 100.13),  # Chai Nat, central Thailand: the network is national
        record("X.1", "NaN", 99.0), record("X.2", waterlevel_msl=1e308), record("X.3", river_name="ปิง\x00"),
    ]}})
    result = thaiwater.parse_waterlevel(body)
    by_code = {r.station_code: r for r in result.records}
    assert set(by_code) == {"P.1", "C.13", "X.1", "X.2"}
    assert by_code["C.13"].lat == 15.17 and by_code["X.1"].lat is None and by_code["X.2"].level_msl is None
    assert [str(r) for r in result.rejected] == ["data[4] (X.3): river_name: contains a NUL character"]
    assert len(result.notes) == 2


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        ({"requests": [{"service_request_id": "1", "status": "open"}]}, "requests"),
        ({"service_requests": [{"service_request_id": "1", "status": "open"}]}, "requests"),
        ({"services": [{"service_code": "flood", "service_name": "Flood"}]}, "services"),
        ({"service_request_updates": [{"update_id": "1", "service_request_id": "1"}]}, "updates"),
    ],
)
def test_open311_kind_of_a_paginated_list_is_told_as_the_parsers_read_it(doc, kind):
    # Found by the import property test: the parsers unwrapped these, the detection did not.
    assert open311.detect_kind(json.dumps(doc)) == kind
