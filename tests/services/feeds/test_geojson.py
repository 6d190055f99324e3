"""District boundary GeoJSON (OCHA/HDX COD-AB shape)."""

from __future__ import annotations

import pytest

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.geojson import parse_boundaries


@pytest.fixture
def districts(sample):
    result = parse_boundaries(sample("cm_districts.geojson"))
    return result, {f.id: f for f in result.records}


def test_ids_from_adm2_pcode_feature_id_or_index(districts):
    _, by_id = districts
    assert set(by_id) == {"TH5001", "TH5004", "omkoi", "feature-7"}


def test_names_from_adm2_and_fallbacks(districts):
    _, by_id = districts
    assert (by_id["TH5001"].name, by_id["TH5001"].name_th) == ("Mueang Chiang Mai", "เมืองเชียงใหม่")
    assert (by_id["omkoi"].name, by_id["omkoi"].name_th) == ("Omkoi <script>x</script>", "อมก๋อย")
    assert by_id["feature-7"].name is None and by_id["feature-7"].properties == {}


def test_geometry_kept_with_type(districts):
    _, by_id = districts
    assert by_id["TH5004"].geometry_type == "MultiPolygon"
    assert by_id["TH5001"].geometry["coordinates"][0][0] == [98.93, 18.74]
    assert by_id["TH5001"].properties["ADM1_PCODE"] == "TH50"


def test_bad_geometries_and_duplicates_rejected(districts):
    result, _ = districts
    assert [str(r) for r in result.rejected] == [
        "features[3] (TH5003): Polygon coordinates are missing or malformed",
        "features[4] (TH5018): unknown geometry type 'Circle'",
        "features[5] (TH5009): no geometry",
        "features[6] (TH5001): duplicate id",
    ]


def test_single_feature():
    body = (b'{"type":"Feature","properties":{"ADM1_PCODE":"TH50","name":"Chiang Mai"},'
            b'"geometry":{"type":"Point","coordinates":[98.98,18.79]}}')
    result = parse_boundaries(body)
    assert [(f.id, f.name) for f in result.records] == [("TH50", "Chiang Mai")]


def test_geometry_collection():
    body = (b'{"type":"Feature","id":7,"properties":{},"geometry":{"type":"GeometryCollection","geometries":'
            b'[{"type":"Point","coordinates":[98.9,18.7]},'
            b'{"type":"LineString","coordinates":[[98.9,18.7],[99,18.8]]}]}}')
    assert parse_boundaries(body).records[0].id == "7"


def test_not_geojson_is_wrong_kind(sample):
    with pytest.raises(WrongPayloadKind, match="Air4Thai"):
        parse_boundaries(sample("air4thai_latest.json"))
    with pytest.raises(WrongPayloadKind):
        parse_boundaries(b'{"type":"Polygon","coordinates":[]}')
    with pytest.raises(MalformedPayload, match="HTML page"):
        parse_boundaries(b"<!DOCTYPE html><html></html>")
