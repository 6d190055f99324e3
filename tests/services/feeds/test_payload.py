"""Shared payload helpers: decoding, JSON failure reasons, number coercion."""

from __future__ import annotations

import pytest

from services.errors import MalformedPayload
from services.feeds.payload import decode_text, load_json, to_float, to_int, to_str
from services.feeds.validation import THAILAND


def test_decode_tolerates_bom_and_keeps_thai():
    assert decode_text("\ufeffเชียงใหม่".encode()) == "เชียงใหม่"
    assert decode_text("\ufeffabc") == "abc"


def test_decode_rejects_non_utf8():
    with pytest.raises(MalformedPayload, match="not UTF-8"):
        decode_text("เชียงใหม่".encode("cp874"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "X: empty body instead of JSON"),
        (b"   \n", "X: empty body instead of JSON"),
        (
            b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title>",
            "X: HTML page instead of JSON (title: '503 Service Unavailable')",
        ),
        (b"Invalid MAP_KEY.", "X: FIRMS says: Invalid MAP_KEY."),
        (b'{"a": [1, 2', "X: truncated JSON (ends after 11 characters)"),
        (b'{"a": "unterminated', "X: truncated JSON (ends after 19 characters)"),
        (b'{"a": 1,, "b": 2}', "X: invalid JSON at line 1 column 9: Expecting property name enclosed in double quotes"),
    ],
)
def test_load_json_says_what_the_body_looked_like(body, message):
    with pytest.raises(MalformedPayload) as info:
        load_json(body, "X")
    assert str(info.value) == message


def test_load_json_keeps_hostile_text():
    assert load_json('{"t": "<script>\\"x\\"</script> น้ำ"}', "X") == {"t": '<script>"x"</script> น้ำ'}


@pytest.mark.parametrize("value", ["-1", "-999", "-9999", "N/A", "-", "", " ", None, -1, -999.0, float("nan"), True])
def test_to_float_missing_markers(value):
    assert to_float(value) is None


def test_to_float_numbers_and_garbage():
    assert to_float(" 38.2 ") == 38.2 and to_float(7) == 7.0 and to_float("1,234.5") == 1234.5
    assert to_float("-1", missing=("",)) == -1.0
    with pytest.raises(ValueError, match="'abc' is not a number"):
        to_float("abc")


def test_to_int_and_to_str():
    assert to_int("3") == 3 and to_int("3.0") == 3 and to_int("-") is None
    with pytest.raises(ValueError):
        to_int("3.5")
    assert to_str("  x  ") == "x" and to_str("   ") is None and to_str(12) == "12"


def test_thailand_box():
    assert THAILAND.contains(18.79, 98.98) and THAILAND.contains(6.0, 101.0)  # Chiang Mai, Narathiwat
    assert not THAILAND.contains(0, 0) and not THAILAND.contains(21.0, 98.9)
