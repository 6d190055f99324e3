"""Property: whatever hostile file ``pao-console import`` is given, of every kind, it ends cleanly (issue 9 §4).

Hypothesis builds two sorts of hostile files for every import kind:

- *every record hostile*: a well-formed payload whose records each carry at least one defect that must reject it
  (an impossible or far-away location, NUL or a lone surrogate in text, a bad time, a missing id, nesting past the
  limit…), mixed with field-level noise that must only be noted (bad coordinates of a station, garbage values).
  The command must print exactly one JSON summary on stdout with every record counted as rejected, nothing on
  stderr, and exit 0;
- *unusable file*: nested past the JSON reader, cut short, not UTF-8, an HTML page, empty, a CSV field past the csv
  module's limit… The command must print exactly one line on stderr, nothing on stdout, and exit non-zero.

Either way the store (already holding every kind of sample data) must be exactly as it was. The real command runs
in-process (``console.__main__.main``) to keep the run short; tests/console/test_import_hostile.py runs the real
executable for the cases that used to end in a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.__main__ import main
from console.import_command import EXIT_NOT_USABLE
from tests.console.test_import_hostile import FIRMS_HEADER, populate, store_digest

Case = tuple[bytes, int | None]  # the file, and how many records it holds (None: the file as a whole is unusable)

# --- building blocks ------------------------------------------------------------------------------------------------

benign = st.text(st.characters(codec="utf-8", exclude_characters="\x00\r\n"), max_size=12)
poison = st.sampled_from(["\x00", "\ud800", "\udfff"])  # JSON can carry lone surrogates (as \ud800 escapes)
hostile_text = st.builds(lambda a, p, b: a + p + b, benign, poison, benign)
hostile_csv_text = st.builds(lambda a, b: a + "\x00" + b, benign, benign)  # a CSV is UTF-8: no lone surrogates
nan, inf = float("nan"), float("inf")
# Coordinates no feed may keep: the record is rejected where the location is the record (FIRMS, GeoJSON)...
bad_coordinate = st.sampled_from([(nan, 98.9), (18.7, inf), (18.7, -inf), (1e308, 98.9), (18.7, 1000.0),
                                  (-91.0, 98.9), (13.75, 100.5), (0.0, 0.0), (40.7, -74.0)])
# ...and only noted where the record stands without it (Air4Thai, ThaiWater, Open311).
noisy_coordinate = st.one_of(bad_coordinate.map(lambda c: [c[0], c[1]]),
                             st.sampled_from([["NaN", "98.9"], ["Infinity", "1"], ["abc", "98.9"], [[1], {"a": 1}],
                                              ["18.84", "98.97"], ["", ""], ["-1", "-1"]]))
noisy_value = st.one_of(st.sampled_from(["38.2", "-999", "N/A", "abc", "1e308", "Infinity", "NaN", "", None, [1], {}]),
                        st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30))
noisy_time = st.sampled_from(["2026-09-28T14:05:00+07:00", "yesterday", "0001-01-01T00:00:00+14:00",
                              "9999-12-31T23:59:59-14:00", "2569-09-28T14:05:00+07:00", "", None, 7, [1]])
bad_local_time = st.sampled_from(["2026-02-30 10:00", "2569-03-15 14:00", "0001-01-01 00:00", "9999-12-31 24:00",
                                  "yesterday", "", None])
non_object = st.sampled_from([5, "x", [], None, 1.5, True])


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def json_body(doc: Any) -> bytes:
    # ensure_ascii: lone surrogates travel as \ud800 escapes, as a hostile server would send them; NaN as NaN.
    return json.dumps(doc, allow_nan=True).encode()


@st.composite
def records(draw: st.DrawFn, make: Callable[[st.DrawFn, int], Any]) -> list[Any]:
    return [make(draw, index) for index in range(draw(st.integers(1, 4)))]


def _set(draw: st.DrawFn, target: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
    target[key] = draw(strategy)


# --- Air4Thai latest ------------------------------------------------------------------------------------------------

def air4thai_station(draw: st.DrawFn, index: int) -> Any:
    lat, lon = draw(noisy_coordinate)
    station: dict[str, Any] = {
        "stationID": f"{index}t", "nameTH": draw(benign), "nameEN": draw(benign), "areaEN": draw(benign),
        "stationType": "GROUND", "lat": lat, "long": lon,
        "AQILast": {"date": "2026-03-15", "time": "14:00", "PM25": {"value": draw(noisy_value)},
                    "PM10": draw(noisy_value)},
    }
    defect = draw(st.sampled_from(["id", "text", "no_block", "date", "time", "non_object"]))
    if defect == "id":
        station["stationID"] = draw(st.sampled_from([None, "", "  ", [], {"a": 1}]) | hostile_text)
    elif defect == "text":
        _set(draw, station, draw(st.sampled_from(["nameTH", "nameEN", "areaEN", "stationType"])), hostile_text)
    elif defect == "no_block":
        station["AQILast"] = draw(st.sampled_from([None, "x", [1]]))
    elif defect == "date":
        station["AQILast"]["date"] = draw(st.sampled_from(["2026-02-30", "2569-03-15", "0001-01-01", "", "x"]))
    elif defect == "time":
        station["AQILast"]["time"] = draw(st.sampled_from(["25:00", "12:61", "noon", "24:01"]))
    else:
        return draw(non_object)
    return station


@st.composite
def air4thai_file(draw: st.DrawFn) -> Case:
    stations = draw(records(air4thai_station))
    return json_body({"stations": stations}), len(stations)


# --- Air4Thai history -------------------------------------------------------------------------------------------

def history_row(draw: st.DrawFn, index: int) -> Any:
    if draw(st.booleans()):
        return draw(non_object)
    return {"DATETIMEDATA": draw(bad_local_time), "PM25": draw(noisy_value), "PM10": draw(noisy_value)}


@st.composite
def air4thai_history_file(draw: st.DrawFn) -> Case:
    blocks, expected = [], 0
    for index in range(draw(st.integers(1, 3))):
        rows = draw(records(history_row))
        if draw(st.booleans()):  # the block itself is unusable: one rejection for it
            blocks.append(draw(st.sampled_from([{"stationID": None, "data": rows}, {"stationID": f"{index}t"},
                                                {"stationID": [1], "data": rows}, {"data": "x"}])))
            expected += 1
        else:
            station_id = draw(st.sampled_from([f"{index}t"]) | hostile_text)
            blocks.append({"stationID": station_id, "data": rows})
            expected += len(rows)
    return json_body({"result": "OK", "stations": blocks}), expected


# --- FIRMS ------------------------------------------------------------------------------------------------------

MODIS_HEADER = ("latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,"
                "frp,daynight,type")


def firms_row(draw: st.DrawFn, viirs: bool) -> list[str]:
    header = (FIRMS_HEADER if viirs else MODIS_HEADER).split(",")
    row = dict(zip(header, (["19.38", "98.92", "345.6", "0.39", "0.36", "2026-03-15", "41", "N", "VIIRS", "n",
                              "2.0NRT", "291.3", "6.1", "N"] if viirs else
                             ["19.38", "98.92", "318.4", "1.0", "1.0", "2026-03-15", "355", "Terra", "72", "6.1NRT",
                              "295.0", "9.8", "D", "0"]), strict=True))
    defect = draw(st.sampled_from(["place", "missing_place", "text", "date", "time", "confidence", "fields"]
                                  + ([] if viirs else ["type"])))
    if defect == "place":
        lat, lon = draw(bad_coordinate)
        row["latitude"], row["longitude"] = repr(lat), repr(lon)
    elif defect == "missing_place":
        row[draw(st.sampled_from(["latitude", "longitude"]))] = draw(st.sampled_from(["", "abc", "-"]))
    elif defect == "text":
        row[draw(st.sampled_from(["satellite", "version", "daynight"] + (["instrument"] if viirs else [])))] = \
            draw(hostile_csv_text)
    elif defect == "date":
        row["acq_date"] = draw(st.sampled_from(["2026-02-30", "2569-03-15", "15/03/2026", ""]))
    elif defect == "time":
        row["acq_time"] = draw(st.sampled_from(["2400", "1299", "ab", "12345", ""]))
    elif defect == "confidence":
        row["confidence"] = draw(st.sampled_from(["x", "maybe"] if viirs else ["140", "-5", "x"]))
    elif defect == "type":
        row["type"] = "1" + "0" * 30
    fields = [row[name] for name in header]
    if defect == "fields":
        fields += draw(st.lists(benign, min_size=1, max_size=3))
    return fields


@st.composite
def firms_file(draw: st.DrawFn) -> Case:
    viirs = draw(st.booleans())
    rows = [firms_row(draw, viirs) for _ in range(draw(st.integers(1, 4)))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))  # line ends do not matter
    writer.writerow((FIRMS_HEADER if viirs else MODIS_HEADER).split(","))
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):  # ...and a last row cut right after a comma is one more rejection
        text += "19.38,98.92,"
        return text.encode(), len(rows) + 1
    return text.encode(), len(rows)


# --- ThaiWater --------------------------------------------------------------------------------------------------

def thaiwater_record(draw: st.DrawFn, index: int) -> Any:
    lat, lon = draw(noisy_coordinate)
    record: dict[str, Any] = {
        "station": {"id": index, "tele_station_oldcode": f"P.{index}", "tele_station_lat": lat,
                    "tele_station_long": lon, "min_bank": draw(noisy_value),
                    "tele_station_name": {"th": draw(benign), "en": draw(benign)}},
        "waterlevel_datetime": "2026-09-28 14:00", "waterlevel_msl": draw(noisy_value),
        "waterlevel_m": draw(noisy_value), "diff_wl_bank": draw(noisy_value), "diff_wl_bank_text": draw(benign),
        "situation_level": draw(noisy_value), "river_name": draw(benign), "geocode": {"province_code": "50"},
    }
    defect = draw(st.sampled_from(["code", "time", "text", "non_object"]))
    if defect == "code":
        record["station"] = draw(st.sampled_from([{}, {"id": None, "tele_station_oldcode": ""}, None, "x"]))
    elif defect == "time":
        record["waterlevel_datetime"] = draw(bad_local_time)
    elif defect == "text":
        target = draw(st.sampled_from(["river", "name", "province", "code"]))
        text = draw(hostile_text)
        if target == "river":
            record["river_name"] = text
        elif target == "name":
            record["station"]["tele_station_name"]["en"] = text
        elif target == "province":
            record["geocode"]["province_code"] = text
        else:
            record["station"]["tele_station_oldcode"] = text
    else:
        return draw(non_object)
    return record


@st.composite
def thaiwater_file(draw: st.DrawFn) -> Case:
    data = draw(records(thaiwater_record))
    doc = draw(st.sampled_from([{"waterlevel_data": {"data": data}}, {"data": {"waterlevel_data": {"data": data}}},
                                {"data": data}]))
    return json_body(doc), len(data)


# --- GeoJSON ----------------------------------------------------------------------------------------------------

RING = [[98.93, 18.74], [99.03, 18.74], [99.03, 18.84], [98.93, 18.74]]


def geojson_feature(draw: st.DrawFn, index: int) -> Any:
    ring = [list(p) for p in RING]
    feature: dict[str, Any] = {"type": "Feature", "id": f"f{index}",
                               "properties": {"ADM2_EN": draw(benign), "ADM2_TH": draw(benign)},
                               "geometry": {"type": "Polygon", "coordinates": [ring]}}
    defect = draw(st.sampled_from(["position", "geometry", "text", "nesting", "not_feature", "non_object"]))
    if defect == "position":
        lat, lon = draw(bad_coordinate)
        ring[draw(st.integers(0, len(ring) - 1))] = [lon, lat]
    elif defect == "geometry":
        feature["geometry"] = draw(st.sampled_from([
            None, "x", {"type": "Circle", "coordinates": [98.9, 18.7]}, {"type": "Polygon", "coordinates": "nope"},
            {"type": "Polygon", "coordinates": [[[98.9]]]}, {"type": "Point", "coordinates": [98.9, 18.7, nan]},
            {"type": "GeometryCollection", "geometries": []}, {"type": [["Point"]], "coordinates": [98.9, 18.7]},
        ]))
    elif defect == "text":
        key = draw(st.sampled_from(["ADM2_EN", "ADM2_TH", "ADM2_PCODE", "other"]))
        feature["properties"][key] = draw(hostile_text)
    elif defect == "nesting":
        feature["properties"]["deep"] = deep(draw(st.integers(40, 400)))
    elif defect == "not_feature":
        feature["type"] = draw(st.sampled_from(["Polygon", "feature", None]))
    else:
        return draw(non_object)
    return feature


@st.composite
def geojson_file(draw: st.DrawFn) -> Case:
    features = draw(records(geojson_feature))
    if len(features) == 1 and draw(st.booleans()) and isinstance(features[0], dict) \
            and features[0].get("type") == "Feature":
        return json_body(features[0]), 1  # a single Feature is a layer of one
    return json_body({"type": "FeatureCollection", "features": features}), len(features)


# --- Open311 ----------------------------------------------------------------------------------------------------

def extension_key(draw: st.DrawFn) -> str:
    return "x_" + draw(benign)  # never a GeoReport key, so the document keeps its kind


def service(draw: st.DrawFn, index: int) -> Any:
    item: dict[str, Any] = {"service_code": f"s{index}", "service_name": "Flood " + draw(benign),
                            "description": draw(benign), "metadata": draw(st.sampled_from([True, False, "true", 1])),
                            "type": "realtime", "keywords": [draw(benign)], "group": draw(benign)}
    defect = draw(st.sampled_from(["text", "keywords", "no_code", "no_name"] + (["non_object"] if index else [])))
    if defect == "text":
        _set(draw, item, draw(st.sampled_from(["service_name", "description", "group", "type"])), hostile_text)
    elif defect == "keywords":
        item["keywords"] = draw(st.sampled_from([[], ["ok"]])) + [draw(hostile_text)]
    elif defect == "no_code":
        item["service_code"] = draw(st.sampled_from([None, "", [], {"a": 1}]))
    elif defect == "no_name":
        item["service_name"] = draw(st.sampled_from([None, " ", [1]]))
    else:
        return draw(non_object)
    return item


def service_request(draw: st.DrawFn, index: int) -> Any:
    lat, lon = draw(noisy_coordinate)
    item: dict[str, Any] = {"service_request_id": f"r{index}", "status": draw(st.sampled_from(["open", "closed",
                                                                                                "IN_PROGRESS"])),
                            "service_code": "flood", "description": draw(benign), "lat": lat, "long": lon,
                            "requested_datetime": draw(noisy_time), "updated_datetime": draw(noisy_time),
                            "version": draw(noisy_value), "sla_paused_s": draw(noisy_value),
                            "source": draw(st.sampled_from(["hotline", 5, None, {"a": 1}])),
                            extension_key(draw): draw(benign)}
    defect = draw(st.sampled_from(["text", "extension_text", "extension_number", "extension_nesting", "no_id",
                                   "no_status"] + (["non_object"] if index else [])))
    if defect == "text":
        _set(draw, item, draw(st.sampled_from(["description", "service_name", "status_notes", "address",
                                               "agency_responsible", "assignee", "priority", "media_url",
                                               "service_code", "reporter_name"])), hostile_text)
    elif defect == "extension_text":
        item[extension_key(draw)] = {"note": draw(hostile_text)}
    elif defect == "extension_number":
        item[extension_key(draw)] = [draw(st.sampled_from([nan, inf, -inf])), 2**70][draw(st.integers(0, 1))]
    elif defect == "extension_nesting":
        item[extension_key(draw)] = deep(draw(st.integers(40, 400)))
    elif defect == "no_id":
        item["service_request_id"] = draw(st.sampled_from([None, "", [[1]], {"id": 1}]))
    elif defect == "no_status":
        item["status"] = draw(st.sampled_from([None, "", [], {}]))
    else:
        return draw(non_object)
    return item


def request_update(draw: st.DrawFn, index: int) -> Any:
    item: dict[str, Any] = {"update_id": f"u{index}", "service_request_id": "r1", "status": draw(benign),
                            "description": draw(benign), "updated_datetime": draw(noisy_time)}
    defect = draw(st.sampled_from(["text", "no_id", "no_request"] + (["non_object"] if index else [])))
    if defect == "text":
        _set(draw, item, draw(st.sampled_from(["status", "description"])), hostile_text)
    elif defect == "no_id":
        item["update_id"] = draw(st.sampled_from([None, "", [1]]))
    elif defect == "no_request":
        item["service_request_id"] = draw(st.sampled_from([None, " ", {}]))
    else:
        return draw(non_object)
    return item


@st.composite
def open311_file(draw: st.DrawFn, make: Callable[[st.DrawFn, int], Any], wrapper: str) -> Case:
    items = draw(records(make))
    doc: Any = {wrapper: items} if draw(st.booleans()) else items  # paginating servers wrap the list
    return json_body(doc), len(items)


# --- files nobody can use ---------------------------------------------------------------------------------------

@st.composite
def unusable_file(draw: st.DrawFn, good: st.SearchStrategy[Case], csv_kind: bool) -> Case:
    body, _ = draw(good)
    common = ["html", "empty", "not_utf8"]
    how = draw(st.sampled_from(common + (["huge_field", "json", "prose"] if csv_kind else
                                         ["nested", "truncated", "bigint", "scalar"])))
    if how == "html":
        return b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", None
    if how == "empty":
        return draw(st.sampled_from([b"", b"  \n\t", b"\xef\xbb\xbf"])), None
    if how == "not_utf8":
        return b"\xff" + body, None
    if how == "huge_field":
        return FIRMS_HEADER.encode() + b"\n19.0," + b"9" * draw(st.integers(131_073, 150_000)) + b",1\n", None
    if how == "json":
        return b'[{"latitude": 19.0}]', None
    if how == "prose":
        return b"Invalid MAP_KEY.", None
    if how == "nested":
        levels = draw(st.integers(2_000, 20_000))
        return b"[" * levels + body + b"]" * levels, None
    if how == "truncated":
        return body[: draw(st.integers(1, len(body) - 1))], None
    if how == "bigint":
        return b'[{"service_request_id": ' + b"7" * draw(st.integers(4_301, 6_000)) + b"}]", None
    return draw(st.sampled_from([b"42", b'"stations"', b"null", b"true"])), None


GOOD: dict[str, tuple[str, st.SearchStrategy[Case], bool]] = {
    "air4thai": ("air4thai", air4thai_file(), False),
    "air4thai-history": ("air4thai-history", air4thai_history_file(), False),
    "firms": ("firms", firms_file(), True),
    "thaiwater": ("thaiwater", thaiwater_file(), False),
    "geojson": ("geojson", geojson_file(), False),
    "open311-services": ("open311", open311_file(service, "services"), False),
    "open311-requests": ("open311", open311_file(service_request, "requests"), False),
    "open311-updates": ("open311", open311_file(request_update, "service_request_updates"), False),
}


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("property-store")
    with contextlib.redirect_stdout(io.StringIO()):
        populate(data_dir)
    return data_dir


@pytest.mark.parametrize("case", sorted(GOOD))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_files_end_in_one_line_and_leave_the_store_unchanged(case: str, data: st.DataObject,
                                                                    populated: Path) -> None:
    kind, good, csv_kind = GOOD[case]
    body, expected = data.draw(st.one_of(good, unusable_file(good, csv_kind)), label="file")
    print_records = data.draw(st.booleans(), label="--print")
    path = populated.parent / f"hostile-{case}.dat"
    path.write_bytes(body)
    before = store_digest(populated)
    out, err = io.StringIO(), io.StringIO()
    argv = ["import", kind, str(path), "--data-dir", str(populated)] + (["--print"] if print_records else [])
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    out_lines, err_lines = out.getvalue().splitlines(), err.getvalue().splitlines()
    assert store_digest(populated) == before
    if expected is None:
        assert code == EXIT_NOT_USABLE, err.getvalue()
        assert out_lines == [] and len(err_lines) == 1
        assert err_lines[0].startswith("pao-console import: ") and err_lines[0].endswith("Nothing was stored.")
    else:
        assert (code, err_lines) == (0, []), err.getvalue()
        [line] = out_lines
        summary = json.loads(line)
        assert (summary["accepted"], summary["rejected"]) == (0, expected), summary
        assert len(summary["errors"]) == expected
        line.encode("utf-8")  # no lone surrogate reached the output
