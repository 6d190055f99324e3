"""Thai local and W3C timestamps → aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.feeds.thai_time import parse_thai_local, parse_w3c, thai_date_time


def test_thai_local_without_seconds_is_utc_minus_seven():
    assert parse_thai_local("2026-09-28 14:00") == datetime(2026, 9, 28, 7, 0, tzinfo=UTC)


def test_thai_local_with_seconds():
    assert parse_thai_local("2026-09-28 14:00:30") == datetime(2026, 9, 28, 7, 0, 30, tzinfo=UTC)


def test_thai_local_crossing_midnight_goes_to_previous_utc_day():
    assert parse_thai_local("2026-01-01 03:00") == datetime(2025, 12, 31, 20, 0, tzinfo=UTC)


def test_air4thai_date_and_time_pieces():
    assert thai_date_time("2026-03-15", "14:00") == datetime(2026, 3, 15, 7, tzinfo=UTC)


def test_hour_ending_24_00_is_next_midnight():
    assert thai_date_time("2026-03-15", "24:00") == datetime(2026, 3, 15, 17, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "2026-13-01 10:00", "yesterday", "2026-09-28 25:00"])
def test_bad_thai_local_raises(text):
    with pytest.raises(ValueError):
        parse_thai_local(text)


def test_w3c_with_offset_and_z():
    assert parse_w3c("2026-09-28T14:05:00+07:00") == datetime(2026, 9, 28, 7, 5, tzinfo=UTC)
    assert parse_w3c("2026-09-28T07:05:00Z") == datetime(2026, 9, 28, 7, 5, tzinfo=UTC)
    assert parse_w3c("2026-09-28T07:05:00.123-03:00").hour == 10


def test_w3c_naive_is_thai_local():
    assert parse_w3c("2026-09-28 10:00:00") == datetime(2026, 9, 28, 3, tzinfo=UTC)


def test_w3c_garbage_raises():
    with pytest.raises(ValueError):
        parse_w3c("next tuesday")
