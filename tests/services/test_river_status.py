"""One scale for river gauges: the band from the station's thresholds first, then ThaiWater's distance to bank and
situation level; worst first sorting. P.1 thresholds are the Royal Irrigation Department's (bank-full 3.70 m, city
zones flood above 4.20 m)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.river_status import BANDS, river_status, status_of, worst_first

P1 = {"bank_full_m": 3.70, "flood_m": 4.20}


@pytest.mark.parametrize(("level", "limits", "diff", "situation", "band"), [
    (4.37, P1, None, None, "flooding"),
    (4.20, P1, None, None, "flooding"),
    (3.95, P1, None, None, "bank_full"),
    (3.70, P1, -0.1, 3, "bank_full"),  # the station's own threshold outranks ThaiWater's word
    (3.30, P1, None, None, "high"),  # within half a metre of bank-full
    (2.10, P1, None, 4, "normal"),  # thresholds known: far below them is normal whatever the situation says
    (1.20, None, 0.35, 3, "bank_full"),  # overbank by ThaiWater's signed distance
    (1.20, None, None, 5, "bank_full"),
    (1.20, None, -0.30, 3, "high"),
    (1.20, None, None, 4, "high"),
    (0.40, None, -3.5, 2, "low"),
    (0.94, None, -3.76, 3, "normal"),
    (None, None, None, None, "unknown"),
])
def test_band_of_a_reading(level, limits, diff, situation, band) -> None:  # type: ignore[no-untyped-def]
    assert river_status(level, limits, diff, situation).band == band


def test_margins_and_flags() -> None:
    status = river_status(4.37, P1, None, None)
    assert (status.above_bank_full_m, status.above_flood_m) == (0.67, 0.17)
    assert status.above_bank_full and status.flooding
    assert not river_status(3.0, P1, None, None).above_bank_full


def test_worst_first() -> None:
    def gauge(code, level, limits=None, diff=None, situation=None):  # type: ignore[no-untyped-def]
        return SimpleNamespace(code=code, level_m=level, thresholds=limits, bank_diff_m=diff, situation_level=situation)

    rows = [gauge("CHM002", None, diff=-3.59, situation=3), gauge("P.1", 4.37, P1), gauge("P.67", 2.0, diff=0.2),
            gauge("P.73", 1.0, diff=0.6), gauge("CHM004", 0.94, diff=-3.76, situation=3), gauge("X", None)]
    assert [r.code for r in worst_first(rows)] == ["P.1", "P.73", "P.67", "CHM002", "CHM004", "X"]
    assert [status_of(r).band for r in worst_first(rows)] == ["flooding", "bank_full", "bank_full", "normal", "normal",
                                                             "unknown"]
    assert BANDS.index("flooding") == len(BANDS) - 1
