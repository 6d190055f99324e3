"""Helpers for the alert tests: readings at whole hours after a UTC midnight, and rule sets written as the rules file
would hold them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from services.alerts.rules import RuleContext, RuleSet, parse_rules
from services.records import AirReading, FireHotspot, RiverReading
from services.store import Store

T0 = datetime(2026, 3, 1, tzinfo=UTC)  # a UTC midnight: the machines' states are saved at these
CHIANG_MAI_AREA = "Chang Phueak, Mueang, Chiang Mai"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def hourly(code: str, values: Sequence[float | None], first_hour: int = 1, *,
           area_en: str = CHIANG_MAI_AREA, lat: float = 18.79, lon: float = 98.99) -> list[AirReading]:
    """Hourly PM2.5 values of one station, the first ending at ``first_hour`` (None: a row without PM2.5)."""
    return [AirReading(station_id=code, name_en=f"Station {code}", name_th=f"สถานี {code}", lat=lat, lon=lon,
                       observed_at=at(first_hour + i), pm25=v, averaging="1h", area_en=area_en)
            for i, v in enumerate(values)]


def levels(code: str, values: Sequence[float | None], first_hour: int = 1, *, every_min: int = 60,
           bank_diff: Sequence[float | None] | None = None, msl_zero: float | None = None,
           local: bool = True) -> list[RiverReading]:
    """Gauge readings every ``every_min`` minutes from ``first_hour``; ``msl_zero`` adds levels above sea level
    (``local=False``: only those, as HII telemetry publishes)."""
    out = []
    for i, v in enumerate(values):
        out.append(RiverReading(
            station_code=code, name_th=f"สถานี {code}", name_en=f"Gauge {code}", lat=18.787, lon=99.005,
            observed_at=at(first_hour) + timedelta(minutes=every_min * i), level_m=v if local else None,
            level_msl=None if v is None or msl_zero is None else round(msl_zero + v, 2),
            bank_diff_m=None if bank_diff is None else bank_diff[i], situation_level=None, province_code="50"))
    return out


def hotspot(hours: float, lat: float, lon: float, confidence: str | int = "n", source: str = "VIIRS_SNPP_NRT"
            ) -> FireHotspot:
    return FireHotspot(source=source, satellite="N", lat=lat, lon=lon, acquired_at=at(hours), confidence=confidence,
                       frp=3.0, daynight="D")


def rules(*items: dict[str, Any], context: RuleContext | None = None) -> RuleSet:
    """A rule set from rule objects as the file holds them (names filled in when left out)."""
    full = [{"name_th": f"กฎ {item['id']}", "name_en": f"Rule {item['id']}", "severity": "warning", **item}
            for item in items]
    rule_set = parse_rules(json.dumps({"version": 1, "rules": full}), "test rules")
    return rule_set.with_context(context) if context is not None else rule_set


def pm25_rule(**overrides: Any) -> dict[str, Any]:
    return {"id": "pm25", "kind": "pm25", "above": 75.0, "for_hours": 3, "clear_below": 50.0, "clear_hours": 3,
            "quiet_minutes": 0, **overrides}


def alerts_by(store: Store, rule_id: str | None = None) -> dict[str, Any]:
    """The alerts (of one rule), by scope key; fails when a rule and scope have two."""
    found: dict[str, Any] = {}
    for alert in store.alerts(now=T0):
        if rule_id is None or alert.rule_id == rule_id:
            assert alert.scope_key not in found, f"two alerts of {alert.rule_id} for {alert.scope_key}"
            found[alert.scope_key] = alert
    return found


def set_thresholds(store: Store, code: str, thresholds: dict[str, float]) -> None:
    """A gauge's own thresholds, as an operator edits them per station."""
    with store.feed_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE stations SET thresholds_json = ? WHERE kind = 'river' AND code = ?",
                             (json.dumps(thresholds), code))
