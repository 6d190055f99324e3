"""NASA FIRMS area CSV, every quirk in FORMATS.md §2."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.firms import area_url, parse_area_csv


@pytest.fixture
def viirs(sample):
    return parse_area_csv(sample("firms_viirs_snpp.csv"))


def test_viirs_detected_by_bright_ti4_header(viirs):
    assert all(h.instrument == "VIIRS" and h.brightness_k for h in viirs.records)
    assert viirs.records[0].brightness_k == 345.62


def test_acq_time_not_zero_padded(viirs):
    assert viirs.records[0].acquired_at == datetime(2026, 3, 15, 0, 41, tzinfo=UTC)
    assert viirs.records[1].acquired_at == datetime(2026, 3, 15, 6, 18, tzinfo=UTC)
    assert viirs.records[2].acquired_at == viirs.records[1].acquired_at  # "0618" == "618"


def test_viirs_confidence_letters_normalised(viirs):
    assert [h.confidence for h in viirs.records] == ["nominal", "high", "low"]


def test_viirs_confidence_words_normalised(sample):
    result = parse_area_csv(sample("firms_viirs_noaa20_words.csv"))
    assert [h.confidence for h in result.records] == ["nominal", "high", "low"]


def test_source_inferred_from_satellite(viirs, sample):
    assert {h.source for h in viirs.records} == {"VIIRS_SNPP_NRT"}
    words = parse_area_csv(sample("firms_viirs_noaa20_words.csv"))
    assert [h.source for h in words.records] == ["VIIRS_NOAA20_NRT", "VIIRS_NOAA20_NRT", "VIIRS_NOAA21_NRT"]
    assert [h.satellite for h in words.records] == ["1", "1", "2"]


def test_explicit_source_wins(sample):
    result = parse_area_csv(sample("firms_viirs_noaa20_words.csv"), source="VIIRS_NOAA20_NRT")
    assert {h.source for h in result.records} == {"VIIRS_NOAA20_NRT"}


def test_instrument_column_missing(sample):
    result = parse_area_csv(sample("firms_viirs_noaa20_words.csv"))
    assert {h.instrument for h in result.records} == {"VIIRS"}


def test_modis_by_brightness_header_int_confidence_and_satellite_names(sample):
    result = parse_area_csv(sample("firms_modis_archive.csv"))
    assert [h.satellite for h in result.records] == ["Terra", "Aqua", "Aqua"]
    assert [h.confidence for h in result.records] == [72, 88, 43]
    assert {h.source for h in result.records} == {"MODIS_NRT"}
    assert result.records[0].brightness_k == 318.4


def test_optional_type_column(sample, viirs):
    modis = parse_area_csv(sample("firms_modis_archive.csv"))
    assert [h.fire_type for h in modis.records] == [0, 0, 2]
    assert all(h.fire_type is None for h in viirs.records)


def test_bad_rows_rejected_rest_land(viirs, sample):
    reasons = {r.where: r.reason for r in viirs.rejected}
    assert reasons == {
        "line 5": "VIIRS confidence 'x' is not l/n/h",
        "line 6": "acq_time '1799' is not a time of day",
        "line 7": "expected 14 fields, got 6",  # truncated last line
    }
    modis = parse_area_csv(sample("firms_modis_archive.csv"))
    assert modis.rejected[0].reason == "MODIS confidence '140' is not 0–100"


def test_frp_daynight_version(viirs):
    first = viirs.records[0]
    assert (first.frp, first.daynight, first.version, first.scan, first.track) == (6.12, "N", "2.0NRT", 0.39, 0.36)


def test_header_only_is_a_quiet_day(sample):
    result = parse_area_csv(sample("firms_header_only.csv"))
    assert result.records == [] and result.rejected == []


def test_invalid_map_key(sample):
    with pytest.raises(MalformedPayload, match=r"FIRMS says: Invalid MAP_KEY\."):
        parse_area_csv(sample("firms_invalid_key.txt"))


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (b"", MalformedPayload, "empty body"),
        (b"<html><head><title>Service Unavailable</title></head></html>", MalformedPayload, "HTML page"),
        (b'{"stations": []}', WrongPayloadKind, "JSON instead of CSV"),
        (b"Invalid area coordinates.", MalformedPayload, "FIRMS says: Invalid area"),
        (b"id,name,value\n1,a,2\n", WrongPayloadKind, "without the FIRMS columns"),
    ],
)
def test_non_csv_payloads_raise(body, kind, message):
    with pytest.raises(kind, match=message):
        parse_area_csv(body)


def test_bom_and_crlf_tolerated(sample):
    body = b"\xef\xbb\xbf" + sample("firms_viirs_snpp.csv").replace(b"\n", b"\r\n")
    assert len(parse_area_csv(body).records) == 3


def test_area_url():
    url = area_url("https://firms.modaps.eosdis.nasa.gov", "KEY123", "VIIRS_SNPP_NRT")
    assert url == "https://firms.modaps.eosdis.nasa.gov/api/area/csv/KEY123/VIIRS_SNPP_NRT/98.0,17.2,99.6,20.2/1"
    dated = area_url("http://h/", "k", "MODIS_NRT", days=5, date="2026-03-15")
    assert dated.endswith("/MODIS_NRT/98.0,17.2,99.6,20.2/5/2026-03-15")
    with pytest.raises(ValueError):
        area_url("http://h", "k", "MODIS_NRT", days=6)
    with pytest.raises(ValueError):
        area_url("http://h", "k", "MODIS_NRT", bbox=(99.6, 17.2, 98.0, 20.2))
