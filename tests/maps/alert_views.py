"""AlertView values for the map and chart tests of the alerts layer (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.alerts.model import AlertView

FIRST = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def alert_view(alert_id: int, **fields: Any) -> AlertView:
    """An open warning alert on the air station 35t unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "id": alert_id, "rule_id": "pm25_unhealthy", "rule_name_th": "PM2.5 ถึงระดับมีผลกระทบต่อสุขภาพ",
        "rule_name_en": "PM2.5 at the level that affects health", "kind": "pm25", "severity": "warning",
        "state": "open", "scope_kind": "station", "scope_key": "35t", "scope_name_th": "ศาลากลาง",
        "scope_name_en": "City Hall", "first_at": FIRST, "last_at": FIRST + timedelta(hours=2), "cleared_at": None,
        "occurrences": 1, "value": 82.4, "message_th": "PM2.5 เฉลี่ย 24 ชม. 82.4 มคก./ลบ.ม.",
        "message_en": "PM2.5 24-h mean 82.4 µg/m³", "acknowledged_by": None, "acknowledged_at": None,
        "ack_comment": None, "incident_id": None, "lat": 18.80, "lon": 99.00, "silenced_until": None}
    values.update(fields)
    return AlertView(**values)
