"""Plain stand-ins for the records the reading, intake, conflict and refused-edit widgets show (widgets read them by
attribute, so a dataclass with the same fields is all a test needs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.store.refusals import RefusedEdit


@dataclass
class Air:
    code: str
    name_th: str | None
    name_en: str | None
    observed_at: datetime
    pm25: float | None
    aqi: int | None
    aqi_band: int | None
    area_th: str | None = None
    area_en: str | None = None


@dataclass
class River:
    code: str
    name_th: str | None
    name_en: str | None
    observed_at: datetime
    level_m: float | None
    bank_diff_m: float | None
    situation_level: int | None
    previous_level_m: float | None
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def trend_m(self) -> float | None:
        if self.level_m is None or self.previous_level_m is None:
            return None
        return self.level_m - self.previous_level_m


@dataclass(frozen=True)
class Value:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    required: bool = False
    variable: bool = True
    order: int = 0
    datatype_description: str | None = None
    values: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Service:
    service_code: str
    service_name: str
    attributes: tuple[Attribute, ...] | None = field(default=None)


@dataclass(frozen=True)
class ConflictField:
    field: str
    base: Any
    mine: Any
    theirs: Any
    reason: str | None = None


@dataclass(frozen=True)
class Conflict:
    outbox_id: int
    incident_id: int
    server_id: str | None
    fields: tuple[ConflictField, ...]
    reason: str | None
    created_at: datetime
    server_version: int | None = None
    description: str | None = None


# The store's own record (a plain dataclass): the refused-edits panel shows exactly what the store hands it.
Refused = RefusedEdit
