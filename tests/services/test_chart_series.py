"""services.chart_series: the full bucket grid, gaps as NaN (never 0), the visible window."""

from __future__ import annotations

import numpy as np
import pytest

from services.chart_series import RiverGaugeChart, Series, grid, on_grid, same_values

H = 3600


def test_on_grid_fills_missing_buckets_with_nan_never_zero() -> None:
    series = on_grid([(0, 5.0), (2 * H, 7.0), (5 * H, 0.0)], 0, 6 * H, H)
    assert series.t.tolist() == [0, H, 2 * H, 3 * H, 4 * H, 5 * H]
    assert np.isnan(series.v[[1, 3, 4]]).all()
    assert series.v[[0, 2, 5]].tolist() == [5.0, 7.0, 0.0]  # a real zero stays a zero
    assert series.has_data


def test_on_grid_means_points_in_one_bucket_and_drops_points_outside() -> None:
    series = on_grid(np.array([[600, 2.0], [1200, 4.0], [-1, 99.0], [2 * H, 99.0], [1800, np.nan]]), 0, 2 * H, H)
    assert series.v.tolist()[0] == 3.0
    assert np.isnan(series.v[1])


def test_grid_is_epoch_aligned_and_covers_the_window() -> None:
    # A window that starts inside a bucket gets that bucket (the SQL's buckets are epoch-aligned too).
    assert grid(1800, 3 * H, H).tolist() == [0, H, 2 * H]
    assert grid(0, 3 * H + 1, H).tolist() == [0, H, 2 * H, 3 * H]
    assert grid(5, 5, 60).tolist() == []
    with pytest.raises(ValueError):
        grid(0, 10, 0)


def test_no_points_is_all_gaps() -> None:
    series = on_grid([], 0, 4 * H, H)
    assert len(series) == 4 and np.isnan(series.v).all() and not series.has_data


def test_visible_keeps_t0_and_drops_t1() -> None:
    series = on_grid([(i * H, float(i)) for i in range(10)], 0, 10 * H, H)
    part = series.visible(2 * H, 5 * H)
    assert part.t.tolist() == [2 * H, 3 * H, 4 * H]
    assert part.v.tolist() == [2.0, 3.0, 4.0]
    assert len(series.visible(20 * H, 30 * H)) == 0
    assert series.visible(2.5 * H, 3.5 * H).t.tolist() == [3 * H]


def test_series_arrays_are_read_only_and_the_callers_stay_writable() -> None:
    t = np.array([0.0, 1.0])
    series = Series(t, np.array([1.0, np.nan]))
    assert not series.t.flags.writeable and not series.v.flags.writeable
    assert t.flags.writeable
    t[0] = 5.0
    assert series.t[0] == 0.0
    with pytest.raises(ValueError):
        series.v[0] = 2.0
    with pytest.raises(ValueError):
        Series(np.zeros(2), np.zeros(3))


# --- same_values: a reload holding what is shown already ----------------------------------------------------------

def _gauge(levels: list[float], bank_full: float | None = 3.70) -> RiverGaugeChart:
    t = 1_790_000_000.0 + 1800.0 * np.arange(len(levels))
    return RiverGaugeChart("P.1", "สะพานนวรัฐ", "Nawarat Bridge", 2, Series(t, np.array(levels)), bank_full, 4.20)


def test_same_values_compares_series_by_their_values_with_gaps_in_the_same_places() -> None:
    nan = float("nan")
    assert same_values(_gauge([3.1, nan, 3.3]), _gauge([3.1, nan, 3.3]))  # new objects, same day
    assert not same_values(_gauge([3.1, nan, 3.3]), _gauge([3.1, 3.2, 3.3]))  # a gap filled
    assert not same_values(_gauge([3.1, 3.2, 3.3]), _gauge([3.1, 3.2, 3.31]))  # one value moved
    assert not same_values(_gauge([3.1, 3.2]), _gauge([3.1, 3.2, 3.3]))  # a bucket more
    assert not same_values(_gauge([3.1]), _gauge([3.1], bank_full=None))  # a plain field changed


def test_same_values_walks_lists_dicts_and_arrays() -> None:
    a = {"P.1": [_gauge([3.1]), np.arange(3)], "P.67": None}
    assert same_values(a, {"P.67": None, "P.1": [_gauge([3.1]), np.arange(3)]})
    assert not same_values(a, {"P.1": [_gauge([3.1]), np.arange(3)]})  # a key less
    assert not same_values(a, {"P.1": [_gauge([3.1]), np.arange(1, 4)], "P.67": None})
    assert not same_values([_gauge([3.1])], (_gauge([3.1]),))  # another kind of container
    assert not same_values(np.zeros(2), np.zeros(3))
