"""Thai AQI (2023 table): every breakpoint edge, rounding, the above-200 rule."""

from __future__ import annotations

import pytest

from services.feeds.thai_aqi import BANDS, aqi_from_values, band_for_aqi, band_info, sub_index

# (pollutant, concentration at a band edge, expected sub-index)
EDGES = [
    ("pm25", 0, 0), ("pm25", 15.0, 25), ("pm25", 15.1, 26), ("pm25", 25.0, 50), ("pm25", 25.1, 51),
    ("pm25", 37.5, 100), ("pm25", 37.6, 101), ("pm25", 75.0, 200), ("pm25", 75.1, 201),
    ("pm10", 0, 0), ("pm10", 50, 25), ("pm10", 51, 26), ("pm10", 80, 50), ("pm10", 81, 51),
    ("pm10", 120, 100), ("pm10", 121, 101), ("pm10", 180, 200), ("pm10", 181, 201),
    ("o3", 35, 25), ("o3", 36, 26), ("o3", 50, 50), ("o3", 51, 51), ("o3", 70, 100), ("o3", 71, 101),
    ("o3", 120, 200), ("o3", 121, 201),
    ("co", 4.4, 25), ("co", 4.5, 26), ("co", 6.4, 50), ("co", 6.5, 51), ("co", 9.0, 100), ("co", 9.1, 101),
    ("co", 30.0, 200), ("co", 30.1, 201),
    ("no2", 60, 25), ("no2", 61, 26), ("no2", 106, 50), ("no2", 107, 51), ("no2", 170, 100), ("no2", 171, 101),
    ("no2", 340, 200), ("no2", 341, 201),
    ("so2", 100, 25), ("so2", 101, 26), ("so2", 200, 50), ("so2", 201, 51), ("so2", 300, 100), ("so2", 301, 101),
    ("so2", 400, 200), ("so2", 401, 201),
]


@pytest.mark.parametrize(("pollutant", "value", "expected"), EDGES)
def test_sub_index_at_every_breakpoint_edge(pollutant, value, expected):
    assert sub_index(pollutant, value) == expected


def test_sub_index_is_linear_inside_a_band():
    # PM2.5 38.2 in band 4: 99 / 37.4 · 0.6 + 101 = 102.59 → 103
    assert sub_index("pm25", 38.2) == 103
    # PM10 61 in band 2: 24 / 29 · 10 + 26 = 34.3 → 34
    assert sub_index("pm10", 61) == 34


def test_input_rounded_to_table_precision_half_up():
    assert sub_index("pm25", 15.05) == 26  # 15.05 → 15.1, band 2 (not banker's 15.0)
    assert sub_index("pm25", 15.04) == 25
    assert sub_index("pm10", 50.4) == 25 and sub_index("pm10", 50.5) == 26
    assert sub_index("co", 4.45) == 26


def test_above_200_extends_band_4_slope():
    slope = 99 / (75.0 - 37.6)
    assert sub_index("pm25", 86) == round(201 + slope * (86 - 75.1))  # 230
    assert sub_index("pm25", 500) > sub_index("pm25", 200) > 201


def test_missing_or_negative_values_give_none():
    assert sub_index("pm25", None) is None
    assert sub_index("o3", -1) is None
    assert aqi_from_values() == (None, None, None)


def test_aqi_from_values_takes_the_highest_sub_index():
    assert aqi_from_values(pm25=38.2, pm10=61, o3=22, co=0.58, no2=8, so2=1) == (103, 4, "pm25")
    assert aqi_from_values(pm25=10.0, o3=80) == (119, 4, "o3")


def test_band_for_aqi_edges():
    assert [band_for_aqi(a) for a in (0, 25, 26, 50, 51, 100, 101, 200, 201, 999)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    with pytest.raises(ValueError):
        band_for_aqi(-1)


def test_bands_table_metadata():
    assert [b.number for b in BANDS] == [1, 2, 3, 4, 5]
    assert band_info(1).rgb == (0, 191, 243) and band_info(5).rgb == (205, 0, 0)
    assert band_info(3).label_th == "ปานกลาง" and band_info(4).label_en == "starting to affect health"
    assert band_info(5).aqi_max is None and band_info(4).aqi_max == 200
