"""ThaiWater water levels, every quirk in FORMATS.md §3."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.thaiwater import parse_waterlevel, waterlevel_url


@pytest.fixture
def levels(sample):
    result = parse_waterlevel(sample("thaiwater_waterlevel.json"))
    return result, {r.station_code: r for r in result.records}


def test_station_code_is_old_code_else_id(levels):
    _, by_code = levels
    assert set(by_code) == {"P.67", "P.103", "P.1", "P.73", "2201"}
    assert by_code["P.1"].station_id == "1103" and by_code["P.103"].station_id == "1102"


def test_waterlevel_msl_string_or_number(levels):
    _, by_code = levels
    assert by_code["P.67"].level_msl == 308.12 and by_code["P.103"].level_msl == 302.91


def test_datetime_with_and_without_seconds_thai_to_utc(levels):
    _, by_code = levels
    assert by_code["P.67"].observed_at == datetime(2026, 9, 28, 0, 0, tzinfo=UTC)
    assert by_code["P.103"].observed_at == datetime(2026, 9, 28, 0, 0, tzinfo=UTC)
    assert by_code["P.73"].observed_at == datetime(2026, 9, 27, 23, 50, tzinfo=UTC)


def test_bank_diff_sign_from_text(levels):
    _, by_code = levels
    assert by_code["P.1"].bank_diff_m == 0.62  # ล้นตลิ่ง: overbank
    assert by_code["P.67"].bank_diff_m == -3.48  # ต่ำกว่าตลิ่ง: below bank


def test_bank_diff_computed_when_text_missing(levels):
    _, by_code = levels
    assert by_code["P.73"].bank_diff_m == pytest.approx(281.30 - 284.0)
    assert by_code["2201"].bank_diff_m is None  # neither text nor min_bank


def test_null_gauge_and_flow_fallback_to_discharge(levels):
    _, by_code = levels
    assert by_code["P.73"].level_m is None and by_code["P.73"].flow_m3s is None
    assert by_code["P.67"].flow_m3s == 85.2  # flow_rate null → discharge
    assert by_code["P.1"].flow_m3s == 602.0 and by_code["P.1"].level_m == 4.32


def test_situation_level_string_and_out_of_range(levels):
    _, by_code = levels
    assert by_code["P.103"].situation_level == 3 and by_code["P.1"].situation_level == 5
    assert by_code["2201"].situation_level is None  # 9 is not a level


def test_names_province_river_bank_fields(levels):
    _, by_code = levels
    p1 = by_code["P.1"]
    assert (p1.name_th, p1.name_en) == ("สะพานนวรัฐ", "Nawarat Bridge")
    assert (p1.province_code, p1.river_name) == ("50", "แม่น้ำปิง")
    assert (p1.lat, p1.lon, p1.min_bank_msl, p1.ground_level_msl) == (18.787, 99.0051, 303.45, 299.75)
    assert by_code["P.103"].lat == 18.8665  # string coordinates


def test_bad_records_rejected_rest_land(levels):
    result, _ = levels
    reasons = [str(r) for r in result.rejected]
    assert not any("2201" in r for r in reasons)  # kept, without its place: a note, not a rejection
    assert any("2201" in str(r) and "outside Thailand" in str(r) for r in result.notes)
    assert any("P.5" in r and "waterlevel_datetime" in r for r in reasons)
    assert any(r == "data[6]: no station code or id" for r in reasons)


def test_hostile_text_passes_through(levels):
    _, by_code = levels
    assert by_code["2201"].name_th == "เชียงดาว <script>x</script>" and by_code["2201"].name_en == 'Chiang Dao "upper"'


def test_nested_under_data(sample):
    result = parse_waterlevel(sample("thaiwater_nested.json"))
    assert [r.station_code for r in result.records] == ["P.1"]
    assert result.records[0].bank_diff_m == -0.15


def test_result_no_raises_with_server_reason():
    with pytest.raises(MalformedPayload, match="ThaiWater says: invalid parameter"):
        parse_waterlevel('{"result":"NO","data":"invalid parameter"}')


def test_other_payload_is_wrong_kind(sample):
    with pytest.raises(WrongPayloadKind, match="Air4Thai"):
        parse_waterlevel(sample("air4thai_latest.json"))
    with pytest.raises(MalformedPayload, match="HTML page"):
        parse_waterlevel(b"<html><body>Gateway Timeout</body></html>")


def test_url():
    assert waterlevel_url("https://api-v3.thaiwater.net/") == (
        "https://api-v3.thaiwater.net/api/v1/thaiwater30/public/waterlevel_load"
    )
