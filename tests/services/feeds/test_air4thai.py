"""Air4Thai latest values and hourly history, every quirk in FORMATS.md §1."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.air4thai import CHIANG_MAI_BOX, history_url, latest_url, parse_history, parse_latest


@pytest.fixture
def latest(sample):
    result = parse_latest(sample("air4thai_latest.json"))
    return result, {r.station_id: r for r in result.records}


def test_string_lat_long_become_floats(latest):
    _, by_id = latest
    assert (by_id["35t"].lat, by_id["35t"].lon) == (18.840732, 98.969763)
    west, south, east, north = CHIANG_MAI_BOX
    assert south <= by_id["36t"].lat <= north and west <= by_id["36t"].lon <= east


def test_name_en_trailing_spaces_stripped(latest):
    _, by_id = latest
    assert by_id["35t"].name_en == "City Hall, Chiang Mai"
    assert by_id["36t"].name_en == "Yupparaj Wittayalai School"


def test_all_values_are_strings_and_parsed(latest):
    _, by_id = latest
    r = by_id["35t"]
    assert (r.pm25, r.pm10, r.o3, r.co, r.no2, r.so2) == (38.2, 61.0, 22.0, 0.58, 8.0, 1.0)


def test_minus_one_value_is_missing(latest):
    _, by_id = latest
    assert by_id["36t"].pm10 is None and by_id["36t"].so2 is None


def test_aqi_recomputed_from_values_with_2023_table(latest):
    _, by_id = latest
    assert (by_id["35t"].aqi, by_id["35t"].aqi_band) == (103, 4)
    # 36t: PM2.5 28.4 → 49 / 12.4 · 3.3 + 51 = 64 (the payload's own 62 is not trusted)
    assert (by_id["36t"].aqi, by_id["36t"].aqi_band) == (64, 3)


def test_payload_aqi_is_fallback_when_no_values(latest):
    _, by_id = latest
    assert (by_id["68t"].aqi, by_id["68t"].aqi_band) == (41, 2)


def test_missing_aqi_minus_999_and_color_id_zero_give_none(latest):
    _, by_id = latest
    assert by_id["m101"].aqi is None and by_id["m101"].aqi_band is None


def test_aqilast_is_thai_local_hour_ending_stored_utc(latest):
    _, by_id = latest
    assert by_id["35t"].observed_at == datetime(2026, 3, 15, 7, 0, tzinfo=UTC)
    assert by_id["68t"].observed_at == datetime(2026, 3, 15, 17, 0, tzinfo=UTC)  # "24:00"


def test_coordinate_outside_thailand_dropped_but_reading_kept(latest):
    result, by_id = latest
    assert by_id["m101"].lat is None and by_id["m101"].lon is None
    assert any("m101" in r.where and "outside Thailand" in r.reason for r in result.notes)
    assert not any("m101" in r.where for r in result.rejected)


def test_station_without_time_or_id_rejected_rest_land(latest):
    result, by_id = latest
    assert set(by_id) == {"35t", "36t", "68t", "m101"}
    reasons = {r.where: r.reason for r in result.rejected}
    assert any("37t" in where and "observation time" in reason for where, reason in reasons.items())
    assert "stations[5]" in reasons and reasons["stations[5]"] == "no stationID"


def test_hostile_text_passes_through_unchanged(latest):
    _, by_id = latest
    assert by_id["m101"].name_th == "รถตรวจวัดเคลื่อนที่ <script>alert('x')</script>"
    assert by_id["m101"].name_en == 'Mobile unit "Doi Saket" <b>'


def test_area_and_station_type_kept(latest):
    _, by_id = latest
    assert by_id["35t"].area_en == "Chang Phueak, Mueang, Chiang Mai" and by_id["35t"].station_type == "GROUND"


def test_2019_variant_lastupdate_value_unit_na_dash(sample):
    result = parse_latest(sample("air4thai_latest_2019.json"))
    by_id = {r.station_id: r for r in result.records}
    old = by_id["35t"]
    assert old.pm25 == 86.0 and old.co == 1.12 and old.pm10 is None and old.o3 is None
    assert (old.aqi, old.aqi_band) == (230, 5)
    assert old.observed_at == datetime(2019, 3, 15, 7, tzinfo=UTC)
    assert (by_id["36t"].aqi, by_id["36t"].aqi_band) == (152, 4)  # no values: the payload's AQI
    assert result.rejected == []


def test_utf8_bom_tolerated(sample):
    assert len(parse_latest(b"\xef\xbb\xbf" + sample("air4thai_latest.json")).records) == 4


def test_garbage_value_dropped_with_note():
    body = json.dumps({"stations": [{"stationID": "35t", "lat": "18.84", "long": "98.97", "AQILast": {
        "date": "2026-03-15", "time": "14:00", "PM25": {"color_id": "1", "aqi": "10", "value": "abc"},
        "PM10": {"color_id": "1", "aqi": "10", "value": "20"}}}]})
    result = parse_latest(body)
    assert result.records[0].pm25 is None and result.records[0].pm10 == 20.0
    assert "PM25" in result.notes[0].where and "abc" in result.notes[0].reason
    assert result.rejected == []


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (b"<!DOCTYPE html><html><title>502 Bad Gateway</title></html>", MalformedPayload, "HTML page instead of JSON"),
        (b"", MalformedPayload, "empty body"),
        (b'{"stations": [{"stationID": "35t", "nameEN": "City', MalformedPayload, "truncated JSON"),
        (b'[{"service_code": "flood", "service_name": "x"}]', WrongPayloadKind, "Open311 services"),
        (b'{"result": "OK", "stations": []}', WrongPayloadKind, "Air4Thai history"),
    ],
)
def test_malformed_payload_raises_with_what_it_looked_like(body, kind, message):
    with pytest.raises(kind, match=message):
        parse_latest(body)


def test_history_hourly_rows_thai_local_to_utc_nulls_none(sample, latest):
    _, by_id = latest
    result = parse_history(sample("air4thai_history.json"), stations=by_id)
    rows = [r for r in result.records if r.station_id == "35t"]
    assert [r.observed_at.hour for r in rows] == [17, 18, 19]
    assert rows[0].pm25 == 41.2 and rows[0].pm10 == 70.0
    assert rows[1].pm25 is None and rows[1].pm10 is None
    assert rows[0].name_en == "City Hall, Chiang Mai" and rows[0].lat == 18.840732
    assert rows[0].aqi is None  # hourly samples are not the 24 h means the AQI is defined on
    assert {r.averaging for r in result.records} == {"1h"}  # the store files them apart from the 24 h means
    assert {r.averaging for r in by_id.values()} == {"24h"}
    assert len(result.rejected) == 1 and "DATETIMEDATA" in result.rejected[0].reason


def test_history_without_station_meta(sample):
    result = parse_history(sample("air4thai_history.json"))
    assert len(result.records) == 4 and all(r.name_en is None for r in result.records)


def test_history_result_not_ok_raises():
    with pytest.raises(MalformedPayload, match="no data for these dates"):
        parse_history(b'{"result":"NO","error":"no data for these dates","stations":[]}')


def test_history_given_latest_payload_is_wrong_kind(sample):
    with pytest.raises(WrongPayloadKind):
        parse_history(sample("air4thai_latest.json"))


def test_urls():
    assert latest_url("http://air4thai.pcd.go.th/") == "http://air4thai.pcd.go.th/services/getNewAQI_JSON.php"
    assert latest_url("http://h", "35t").endswith("getNewAQI_JSON.php?stationID=35t")
    url = history_url("http://h", ["35t", "36t"], ["PM25", "PM10"], date(2026, 9, 28), "2026-09-29")
    assert url == (
        "http://h/forweb/getHistoryData.php?stationID=35t,36t&param=PM25,PM10&type=hr"
        "&sdate=2026-09-28&edate=2026-09-29&stime=00&etime=23"
    )
