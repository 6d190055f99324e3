"""Thai AQI, the revised Pollution Control Department table in force since 1 June 2023.

Each pollutant's sub-index is linear within its band, ``I = (Ij − Ii) / (Xj − Xi) · (X − Xi) + Ii``; the overall AQI
is the highest sub-index and its band is Air4Thai's ``color_id`` (1 very good … 5 affects health).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class AqiBand:
    """One row of the Thai AQI table."""

    number: int  # Air4Thai color_id
    aqi_min: int
    aqi_max: int | None  # None: open-ended (band 5)
    rgb: tuple[int, int, int]
    label_th: str
    label_en: str


BANDS: tuple[AqiBand, ...] = (
    AqiBand(1, 0, 25, (0, 191, 243), "ดีมาก", "very good"),
    AqiBand(2, 26, 50, (0, 166, 81), "ดี", "good"),
    AqiBand(3, 51, 100, (253, 192, 78), "ปานกลาง", "moderate"),
    AqiBand(4, 101, 200, (242, 101, 34), "เริ่มมีผลกระทบต่อสุขภาพ", "starting to affect health"),
    AqiBand(5, 201, None, (205, 0, 0), "มีผลกระทบต่อสุขภาพ", "affects health"),
)

# Concentration breakpoints (Xi, Xj) for bands 1–4, and Xi of band 5. Units: PM µg/m³ (24 h), O3 ppb (8 h),
# CO ppm (8 h), NO2 / SO2 ppb (1 h). The table gives PM2.5 and CO to one decimal, the others as integers.
_TABLE: dict[str, tuple[Decimal, tuple[tuple[str, str], ...], str]] = {
    "pm25": (Decimal("0.1"), (("0", "15.0"), ("15.1", "25.0"), ("25.1", "37.5"), ("37.6", "75.0")), "75.1"),
    "pm10": (Decimal("1"), (("0", "50"), ("51", "80"), ("81", "120"), ("121", "180")), "181"),
    "o3": (Decimal("1"), (("0", "35"), ("36", "50"), ("51", "70"), ("71", "120")), "121"),
    "co": (Decimal("0.1"), (("0", "4.4"), ("4.5", "6.4"), ("6.5", "9.0"), ("9.1", "30.0")), "30.1"),
    "no2": (Decimal("1"), (("0", "60"), ("61", "106"), ("107", "170"), ("171", "340")), "341"),
    "so2": (Decimal("1"), (("0", "100"), ("101", "200"), ("201", "300"), ("301", "400")), "401"),
}

POLLUTANTS: tuple[str, ...] = tuple(_TABLE)


def _round_half_up(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def sub_index(pollutant: str, value: float | None) -> int | None:
    """The Thai AQI sub-index of one pollutant (``"pm25"``, ``"pm10"``, ``"o3"``, ``"co"``, ``"no2"``, ``"so2"``).

    ``None`` or a negative value (a missing-data marker) gives ``None``.
    """
    step, bands, band5_start = _TABLE[pollutant]
    if value is None or value < 0:
        return None
    # Round to the table's precision first (half up, as the table is read), so 15.05 µg/m³ is 15.1 → band 2.
    x = _round_half_up(Decimal(repr(float(value))), step)
    for band, (low, high) in zip(BANDS, bands, strict=False):
        xi, xj = Decimal(low), Decimal(high)
        if x <= xj:
            ii, ij = Decimal(band.aqi_min), Decimal(band.aqi_max or 0)
            index = (ij - ii) / (xj - xi) * (x - xi) + ii
            return int(_round_half_up(index, Decimal(1)))
    # Above band 4 the standard publishes no upper breakpoint. Rule chosen here: continue band 4's slope
    # (AQI points per unit of concentration), starting at AQI 201 at band 5's first breakpoint, so the index keeps
    # growing with the concentration and every band-5 concentration maps to AQI ≥ 201.
    xi4, xj4 = (Decimal(v) for v in bands[3])
    slope = Decimal(BANDS[3].aqi_max or 0) - Decimal(BANDS[3].aqi_min)
    slope /= xj4 - xi4
    index = slope * (x - Decimal(band5_start)) + Decimal(BANDS[4].aqi_min)
    return int(_round_half_up(index, Decimal(1)))


def band_for_aqi(aqi: int) -> int:
    """The band number (1–5, Air4Thai ``color_id``) of an AQI value."""
    if aqi < 0:
        raise ValueError(f"AQI {aqi} is negative")
    for band in BANDS:
        if band.aqi_max is None or aqi <= band.aqi_max:
            return band.number
    raise AssertionError("unreachable: band 5 is open-ended")


def band_info(number: int) -> AqiBand:
    """The ``AqiBand`` with this number (1–5)."""
    for band in BANDS:
        if band.number == number:
            return band
    raise ValueError(f"no Thai AQI band {number}")


def aqi_from_values(
    *,
    pm25: float | None = None,
    pm10: float | None = None,
    o3: float | None = None,
    co: float | None = None,
    no2: float | None = None,
    so2: float | None = None,
) -> tuple[int | None, int | None, str | None]:
    """(overall AQI, band 1–5, dominant pollutant name) from the pollutant values; all ``None`` with no values.

    The dominant pollutant is the one with the highest sub-index (the first in PM2.5, PM10, O3, CO, NO2, SO2 order
    on a tie), named like the keyword (``"pm25"``).
    """
    values = {"pm25": pm25, "pm10": pm10, "o3": o3, "co": co, "no2": no2, "so2": so2}
    best: tuple[int, str] | None = None
    for name in POLLUTANTS:
        index = sub_index(name, values[name])
        if index is not None and (best is None or index > best[0]):
            best = (index, name)
    if best is None:
        return None, None, None
    return best[0], band_for_aqi(best[0]), best[1]
