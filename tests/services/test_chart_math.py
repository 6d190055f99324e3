"""The charts' arithmetic (services.chart_math): the rate of rise on a known slope, the projection to P.1's next
threshold (3.70 m bank-full, 4.20 m city flooding) and when there is none, trend arrows with their steady band, the
bucket of each time span, and the CSV of exactly the points shown (Thai headers, Bangkok offset, gaps left empty)."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime

import numpy as np
import pytest

from services.chart_math import (
    AIR_STEADY_PER_H,
    PRESETS,
    RIVER_STEADY_M_PER_H,
    bucket_for,
    csv_bytes,
    latest_value,
    projection,
    rate_of_rise,
    trend_arrow,
)
from services.chart_series import RiverGaugeChart, Series

HALF_HOUR = 1800
END = datetime(2026, 11, 25, 7, 0, tzinfo=UTC).timestamp()  # 14:00 in Bangkok
GRID = END - 86400 + np.arange(48) * HALF_HOUR  # the last 24 h in 30-minute buckets, as the river table asks


def linear(rate_m_per_h: float, latest_m: float, t: np.ndarray = GRID) -> Series:
    """A level rising at ``rate_m_per_h`` that reads ``latest_m`` in the last bucket."""
    return Series(t.copy(), latest_m + rate_m_per_h * (t - t[-1]) / 3600.0)


def p1(level: Series) -> RiverGaugeChart:
    return RiverGaugeChart("P.1", "สะพานนวรัฐ", "Nawarat Bridge", 2, level, 3.70, 4.20)


# --- rate of rise ---------------------------------------------------------------------------------------------------


def test_the_rate_of_rise_is_the_slope_of_the_last_three_hours_in_metres_per_hour() -> None:
    assert rate_of_rise(linear(0.12, 3.2), END) == pytest.approx(0.12)
    assert rate_of_rise(linear(-0.05, 2.0), END) == pytest.approx(-0.05)
    # Only the last 3 hours count: a day of falling water that turned to rising 3 hours ago is rising.
    hours = (GRID - GRID[-1]) / 3600.0
    turned = Series(GRID.copy(), np.where(hours >= -3, 3.0 + 0.2 * hours, 3.0 - 0.3 * (hours + 3) - 0.6))
    assert rate_of_rise(turned, END) == pytest.approx(0.2)
    # A longer window sees the fall too.
    assert rate_of_rise(turned, END, window_s=24 * 3600) < 0


def test_gaps_are_left_out_of_the_fit_and_too_few_values_give_no_rate() -> None:
    level = linear(0.1, 3.0)
    holed = level.v.copy()
    holed[-4] = np.nan  # a missing bucket inside the window: still the same slope from the others
    assert rate_of_rise(Series(GRID.copy(), holed), END) == pytest.approx(0.1)
    two = np.full(GRID.shape, np.nan)
    two[-1], two[-3] = 3.0, 2.8  # two values in the window: no rate (two points make any slope)
    assert rate_of_rise(Series(GRID.copy(), two), END) is None
    assert rate_of_rise(Series(GRID.copy(), np.full(GRID.shape, np.nan)), END) is None
    assert rate_of_rise(Series(np.empty(0), np.empty(0)), END) is None
    # Values after ``now`` are not yet: a fit "now" three hours ago uses the buckets up to then.
    assert rate_of_rise(linear(0.1, 3.0), END - 3 * 3600) == pytest.approx(0.1)


def test_latest_value_is_the_newest_finite_bucket() -> None:
    values = np.arange(48, dtype=np.float64)
    values[-2:] = np.nan
    assert latest_value(Series(GRID.copy(), values)) == (float(GRID[-3]), 45.0)
    assert latest_value(Series(GRID.copy(), values), now=float(GRID[10])) == (float(GRID[10]), 10.0)
    assert latest_value(Series(GRID.copy(), np.full(48, np.nan))) is None


# --- projection -----------------------------------------------------------------------------------------------------


def test_a_rising_p1_is_projected_to_bank_full_then_to_city_flooding() -> None:
    to_bank = projection(p1(linear(0.1, 3.2)), END)
    assert to_bank is not None
    assert to_bank.threshold_name == "bank_full" and to_bank.threshold_m == 3.70
    assert to_bank.hours == pytest.approx(5.0)  # (3.70 - 3.20) m at 0.1 m/h
    assert to_bank.at == pytest.approx(END + 5 * 3600)
    past_bank = projection(p1(linear(0.25, 3.9)), END)
    assert past_bank is not None and past_bank.threshold_name == "flooding" and past_bank.threshold_m == 4.20
    assert past_bank.hours == pytest.approx(1.2)


@pytest.mark.parametrize(("rate", "latest"), [
    (-0.1, 3.5),  # falling
    (0.0, 3.5),  # flat
    (RIVER_STEADY_M_PER_H / 2, 3.5),  # within the steady band: not a rise anyone should be told about
    (0.2, 4.3),  # above every threshold already
    (0.01 + 1e-3, 1.0),  # 245 h away at this rate: beyond the horizon, not a projection
])
def test_no_projection_when_falling_flat_above_every_threshold_or_too_far(rate: float, latest: float) -> None:
    assert projection(p1(linear(rate, latest)), END) is None


def test_no_projection_from_too_few_values_or_without_thresholds() -> None:
    sparse = np.full(GRID.shape, np.nan)
    sparse[-1], sparse[-6] = 3.6, 3.1
    assert projection(p1(Series(GRID.copy(), sparse)), END) is None
    no_limits = RiverGaugeChart("CHM002", "ฮอด", "Hot", 6, linear(0.3, 1.0), None, None)
    assert projection(no_limits, END) is None
    only_bank = RiverGaugeChart("P.67", "บ้านแม่แต", "Ban Mae Tae", 0, linear(0.2, 3.3), 3.7, None)
    found = projection(only_bank, END)
    assert found is not None and found.threshold_name == "bank_full" and found.hours == pytest.approx(2.0)


# --- trend arrows ---------------------------------------------------------------------------------------------------


def test_trend_arrows_have_a_steady_band_and_claim_nothing_without_a_rate() -> None:
    steady = RIVER_STEADY_M_PER_H
    assert trend_arrow(0.12, steady) == "↑"
    assert trend_arrow(-0.12, steady) == "↓"
    assert trend_arrow(steady, steady) == "→" and trend_arrow(-steady, steady) == "→"  # the band's edges are steady
    assert trend_arrow(steady * 1.01, steady) == "↑" and trend_arrow(-steady * 1.01, steady) == "↓"
    assert trend_arrow(0.0, steady) == "→"
    assert trend_arrow(None, steady) == "" and trend_arrow(math.nan, steady) == ""
    assert trend_arrow(1.5, AIR_STEADY_PER_H) == "→" and trend_arrow(6.0, AIR_STEADY_PER_H) == "↑"


# --- buckets --------------------------------------------------------------------------------------------------------


def test_bucket_for_each_preset_and_its_limits() -> None:
    assert {name: bucket_for(span) for name, span in PRESETS.items()} == {
        "6h": 60, "24h": 60, "7d": 600, "30d": 1800}
    assert bucket_for(2000 * 60) == 60 and bucket_for(2001 * 60) == 120  # at most 2,000 points
    assert bucket_for(PRESETS["7d"], max_points=3000) == 300
    assert bucket_for(10 * 365 * 86400) == 86400  # never coarser than a day, even past 2,000 points
    assert bucket_for(30) == 60  # never finer than a minute
    # Never finer than the data's own cadence: hourly PM2.5 over 6 hours is drawn hourly, not with 59 gaps an hour.
    assert bucket_for(PRESETS["6h"], min_bucket_s=3600) == 3600
    assert bucket_for(PRESETS["24h"], min_bucket_s=600) == 600
    steps = [bucket_for(span) for span in np.geomspace(60, 400 * 86400, 200)]
    assert steps == sorted(steps) and all(86400 % step == 0 for step in steps)


# --- CSV ------------------------------------------------------------------------------------------------------------


def test_csv_holds_exactly_the_points_shown_with_thai_headers_bangkok_times_and_empty_gaps() -> None:
    level = np.round(np.linspace(2.0, 4.35, 48), 3)
    level[20] = np.nan  # a gap the chart shows as a gap
    other = np.linspace(1.0, 1.47, 48)
    other[21] = np.nan
    headers = ("P.1 สะพานนวรัฐ (ม.)", "P.67 บ้านแม่แต (ม.)")
    t0, t1 = float(GRID[10]), float(GRID[30])  # the visible window: buckets 10 … 29
    data = csv_bytes([(headers[0], Series(GRID.copy(), level)), (headers[1], Series(GRID.copy(), other))], t0, t1,
                     time_header="เวลา")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["เวลา", *headers]  # the Thai headers survive the round trip
    body = rows[1:]
    assert len(body) == 20
    stamps = [datetime.fromisoformat(row[0]) for row in body]
    assert all(row[0].endswith("+07:00") for row in body)
    assert [s.timestamp() for s in stamps] == GRID[10:30].tolist()  # exactly [t0, t1): t1 itself is not shown
    assert body[0][0] == "2026-11-24T19:00:00+07:00"  # 12:00 UTC the day before
    by_time = {row[0]: row[1:] for row in body}
    gap_at = datetime.fromtimestamp(float(GRID[20]), UTC).astimezone(stamps[0].tzinfo).isoformat()
    assert by_time[gap_at][0] == "" and by_time[gap_at][1] != ""  # a gap is an empty cell, never 0
    for index, row in enumerate(body, start=10):
        if index != 20:
            assert float(row[1]) == level[index]  # values round-trip exactly
        if index != 21:
            assert float(row[2]) == other[index]
    assert "0" not in {row[1] for row in body}


def test_csv_of_columns_on_different_grids_and_of_an_empty_window() -> None:
    hourly = Series(GRID[::2].copy(), np.arange(24, dtype=np.float64))
    half_hourly = Series(GRID.copy(), np.arange(48, dtype=np.float64) / 10)
    rows = list(csv.reader(io.StringIO(csv_bytes([("a", hourly), ("b", half_hourly)], float(GRID[0]),
                                                  float(GRID[4])).decode("utf-8-sig"))))
    assert [row[1:] for row in rows[1:]] == [["0.0", "0.0"], ["", "0.1"], ["1.0", "0.2"], ["", "0.3"]]
    empty = csv_bytes([("a", hourly)], END + 3600, END + 7200)
    assert list(csv.reader(io.StringIO(empty.decode("utf-8-sig")))) == [["time", "a"]]
