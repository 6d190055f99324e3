"""Thai AQI (2023) for the simulator, in Air4Thai's parameter names, computed by ``services.feeds.thai_aqi``."""

from __future__ import annotations

from services.feeds import thai_aqi

PARAMS: tuple[str, ...] = ("PM25", "PM10", "O3", "CO", "NO2", "SO2")


def band_of(aqi: int) -> int:
    """Air4Thai color_id (1 very good … 5 affects health) for an AQI value."""
    return thai_aqi.band_for_aqi(aqi)


def sub_index(param: str, value: float) -> int:
    """Sub-index of one pollutant (``param`` as Air4Thai spells it: PM25, PM10, O3, CO, NO2, SO2)."""
    index = thai_aqi.sub_index(param.lower(), value)
    if index is None:
        raise ValueError(f"no sub-index for {param}={value!r}")
    return index


def overall(values: dict[str, float | None]) -> tuple[int, int, str] | None:
    """(aqi, color_id, dominant param as Air4Thai writes it) from the present values; None when all are missing."""
    aqi, band, dominant = thai_aqi.aqi_from_values(**{p.lower(): v for p, v in values.items()})
    if aqi is None or band is None or dominant is None:
        return None
    return aqi, band, dominant.upper()
