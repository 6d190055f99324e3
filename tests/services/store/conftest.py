"""Fixtures for the store tests: a fresh store in tmp_path and record factories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.records import AirReading, RiverReading
from services.store import Store, open_store

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "store.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    s = open_store(store_path)
    yield s
    s.close()


def air(code: str, hour: int, pm25: float | None = 10.0, **kw: object) -> AirReading:
    defaults: dict[str, object] = {"name_en": f"Station {code}", "name_th": None, "lat": 18.8, "lon": 98.9}
    defaults.update(kw)
    return AirReading(station_id=code, observed_at=T0 + timedelta(hours=hour), pm25=pm25, **defaults)  # type: ignore[arg-type]


def river(code: str, hour: int, level: float | None, **kw: object) -> RiverReading:
    defaults: dict[str, object] = {
        "name_th": None, "name_en": f"River {code}", "lat": 18.78, "lon": 99.0, "level_msl": None,
        "bank_diff_m": None, "situation_level": None, "province_code": "50",
    }
    defaults.update(kw)
    return RiverReading(station_code=code, observed_at=T0 + timedelta(hours=hour), level_m=level, **defaults)  # type: ignore[arg-type]
