"""Open311 service definitions (``GET /services/{code}.json``): attributes parsed and checked, junk refused clearly,
the answers a new request carries checked and form-encoded (FORMATS.md §4)."""

from __future__ import annotations

import json

import pytest

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.open311 import attribute_form, attribute_problems, parse_service_definition
from services.records import AttributeValue, ServiceAttribute

HOSTILE = '<img src=x onerror="alert(1)"> <b>ไฟ</b>'


def definition(*attributes: object, code: str = "forest_fire") -> str:
    return json.dumps({"service_code": code, "attributes": list(attributes)}, ensure_ascii=False)


FIRE_SIZE = {"variable": True, "code": "fire_size", "datatype": "singlevaluelist", "required": True,
             "datatype_description": "Visible extent", "order": 1, "description": "How large is the fire? / ขนาดของไฟ",
             "values": [{"key": "small", "name": "Small (< 1 rai) / เล็ก"}, {"key": "medium", "name": "Medium / กลาง"},
                        {"key": "large", "name": "Large (> 10 rai) / ใหญ่"}]}


def test_the_seeded_forest_fire_definition() -> None:
    result = parse_service_definition(definition(FIRE_SIZE), "forest_fire")
    assert result.rejected == []
    assert result.records == [ServiceAttribute(
        code="fire_size", datatype="singlevaluelist", description="How large is the fire? / ขนาดของไฟ", variable=True,
        required=True, order=1, datatype_description="Visible extent",
        values=(AttributeValue("small", "Small (< 1 rai) / เล็ก"), AttributeValue("medium", "Medium / กลาง"),
                AttributeValue("large", "Large (> 10 rai) / ใหญ่")))]


def test_every_datatype_sorted_by_order_with_text_flags_and_number_keys() -> None:
    body = definition(
        {"code": "notes", "datatype": "text", "description": "Notes", "order": 5, "variable": "true",
         "required": "false"},
        {"code": "when", "datatype": "DateTime", "description": "Started", "order": "2"},
        {"code": "area", "datatype": "number", "description": "Area (rai)", "order": 3, "required": True},
        {"code": "fuel", "datatype": "multivaluelist", "description": "Fuel", "order": 4,
         "values": [{"key": 1, "name": "Grass"}, {"key": "2"}]},
        {"code": "info", "datatype": "string", "description": "Call 1362", "order": 0, "variable": False,
         "required": True},
    )
    result = parse_service_definition(body)
    assert [a.code for a in result.records] == ["info", "when", "area", "fuel", "notes"]
    by_code = {a.code: a for a in result.records}
    assert by_code["when"].datatype == "datetime" and by_code["when"].required is False
    assert by_code["area"].required is True and by_code["notes"].variable is True
    assert by_code["fuel"].values == (AttributeValue("1", "Grass"), AttributeValue("2", "2"))  # key as text
    assert by_code["info"].variable is False and by_code["info"].required is False  # nothing can be asked
    assert result.rejected == []


def test_bad_attributes_are_rejected_one_by_one() -> None:
    body = definition(
        FIRE_SIZE,
        "not an object",
        {"datatype": "string", "description": "no code"},
        {"code": "colour", "datatype": "colour", "description": "?"},
        {"code": "empty_list", "datatype": "singlevaluelist", "description": "?", "values": []},
        {"code": "flag", "datatype": "string", "description": "?", "required": "maybe"},
        {"code": "fire_size", "datatype": "string", "description": "twice"},
        {"code": "bad_order", "datatype": "string", "description": "kept", "order": "first"},
        {"code": "dupe_keys", "datatype": "singlevaluelist", "description": "?",
         "values": [{"key": "a", "name": "A"}, {"key": "a", "name": "again"}, {"name": "no key"}]},
    )
    result = parse_service_definition(body, "forest_fire")
    # Without a usable order an attribute keeps its place in the list.
    assert [(a.code, a.order) for a in result.records] == [("fire_size", 1), ("bad_order", 8), ("dupe_keys", 9)]
    assert [v.key for v in result.records[2].values] == ["a"]
    reasons = [str(r) for r in result.rejected]
    assert "attributes[1]: entry is not an object" in reasons
    assert "attributes[2]: no code" in reasons
    assert any("unknown datatype 'colour'" in r for r in reasons)
    assert any("empty_list" in r and "without any usable values" in r for r in reasons)
    assert any("flag" in r and "not true or false" in r for r in reasons)
    assert any("'fire_size' twice" in r for r in reasons)
    assert len(reasons) == 6
    # Fields dropped from attributes that were kept are notes, not rejected attributes.
    notes = [str(r) for r in result.notes]
    assert any("bad_order" in r and "order dropped" in r for r in notes)
    assert sum("values[" in r for r in notes) == 2 and len(notes) == 3


def test_hostile_text_stays_text() -> None:
    result = parse_service_definition(definition(
        {"code": "x", "datatype": "singlevaluelist", "description": HOSTILE, "datatype_description": HOSTILE,
         "values": [{"key": "k", "name": HOSTILE}]}))
    attribute = result.records[0]
    assert attribute.description == HOSTILE and attribute.datatype_description == HOSTILE
    assert attribute.values[0].name == HOSTILE


@pytest.mark.parametrize(("body", "error", "needle"), [
    ("<html><body>502 Bad Gateway</body></html>", MalformedPayload, "HTML"),
    ('{"service_code": "forest_fire"', MalformedPayload, ""),
    ('[{"code": 404, "description": "Unknown service_code"}]', MalformedPayload, "Unknown service_code"),
    ('{"service_code": "forest_fire"}', WrongPayloadKind, "attributes list"),
    ('{"service_code": "forest_fire", "attributes": {"code": "x"}}', WrongPayloadKind, "attributes list"),
    ('[{"service_code": "road", "service_name": "Road"}]', WrongPayloadKind, ""),
    ('"forest_fire"', MalformedPayload, "instead of JSON"),
    ('{"service_code": "flooding", "attributes": []}', MalformedPayload, "'flooding'"),
])
def test_junk_is_refused_clearly(body: str, error: type[Exception], needle: str) -> None:
    with pytest.raises(error) as caught:
        parse_service_definition(body, "forest_fire")
    assert needle in str(caught.value)
    assert "forest_fire" in str(caught.value)


def test_a_one_element_list_and_no_service_code_are_accepted() -> None:
    body = json.dumps([{"attributes": [FIRE_SIZE]}])
    assert [a.code for a in parse_service_definition(body, "forest_fire").records] == ["fire_size"]


def test_attribute_problems() -> None:
    attributes = tuple(parse_service_definition(definition(
        FIRE_SIZE,
        {"code": "area", "datatype": "number", "description": "Area", "order": 2},
        {"code": "fuel", "datatype": "multivaluelist", "description": "Fuel", "order": 3,
         "values": [{"key": "grass", "name": "Grass"}, {"key": "trees", "name": "Trees"}]},
        {"code": "info", "datatype": "string", "description": "Info", "variable": False},
    )).records)
    assert attribute_problems(attributes, {}) == ["attribute[fire_size] is required"]
    assert attribute_problems(attributes, {"fire_size": ""}) == ["attribute[fire_size] is required"]
    assert attribute_problems(attributes, {"fire_size": "small", "area": "2.5", "fuel": ["grass", "trees"]}) == []
    assert attribute_problems(attributes, {"fire_size": "huge"}) == [
        "attribute[fire_size] must be one of the listed keys"]
    assert attribute_problems(attributes, {"fire_size": ["small", "large"]}) == [
        "attribute[fire_size] takes one of the listed keys, not several"]
    assert attribute_problems(attributes, {"fire_size": "small", "area": "a lot"}) == [
        "attribute[area] must be a number"]
    assert attribute_problems(attributes, {"fire_size": "small", "area": "nan"}) == ["attribute[area] must be a number"]
    assert attribute_problems(attributes, {"fire_size": "small", "fuel": ["grass", "oil"]}) == [
        "attribute[fuel] must be one of the listed keys"]


def test_attribute_form() -> None:
    assert attribute_form({"fire_size": "medium", "fuel": ["grass", "trees"], "empty": "", "none": []}) == [
        ("attribute[fire_size]", "medium"), ("attribute[fuel][]", "grass"), ("attribute[fuel][]", "trees")]
    assert attribute_form({}) == []


def test_attributes_round_trip_through_json() -> None:
    attribute = parse_service_definition(definition(FIRE_SIZE)).records[0]
    assert ServiceAttribute.from_json(json.loads(json.dumps(attribute.to_json()))) == attribute
