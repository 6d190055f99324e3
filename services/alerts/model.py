"""What an alert is, as the store keeps it and the console shows it (Qt-free).

An alert belongs to one rule and one scope (a station, a gauge, a district, a named area, a feed, the province).
Occurrences of the same rule and scope while it is open (or within the rule's quiet period after it cleared) are
counted on that one alert, never repeated as new ones. Times are aware UTC datetimes; the data's own time (when the
reading was observed), not when the console received it, is what ``first_at``, ``last_at`` and ``cleared_at`` hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

KINDS: tuple[str, ...] = ("pm25", "fire", "river", "data")
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")  # lowest first
STATES: tuple[str, ...] = ("open", "acknowledged", "cleared")
SCOPE_KINDS: tuple[str, ...] = ("province", "district", "station", "gauge", "area", "feed")
# What the alert history records (alert_actions.action).
ACTIONS: tuple[str, ...] = ("raised", "occurred", "cleared", "reopened", "acknowledged", "silenced", "unsilenced",
                            "incident_opened", "incident_linked", "refusal_acknowledged")
HIGH_SEVERITIES = frozenset({"critical"})  # a new one of these sounds and notifies


@dataclass(frozen=True)
class AlertView:
    """One alert as the Alerts dock lists it."""

    id: int
    rule_id: str
    rule_name_th: str
    rule_name_en: str
    kind: str  # KINDS
    severity: str  # SEVERITIES
    state: str  # STATES
    scope_kind: str  # SCOPE_KINDS
    scope_key: str  # station / gauge code, district name (English), area name, feed name, "chiang_mai"
    scope_name_th: str
    scope_name_en: str
    first_at: datetime  # data time of the reading that raised it
    last_at: datetime  # data time of its latest occurrence
    cleared_at: datetime | None
    occurrences: int
    value: float | None  # the reading behind the latest occurrence (µg/m³, m, m/h, hotspots, hours stale)
    message_th: str  # e.g. "PM2.5 เฉลี่ย 24 ชม. 82.4 มคก./ลบ.ม. เกิน 75.0 มา 3 ชม."
    message_en: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    ack_comment: str | None
    incident_id: int | None  # the incident it opened or updated (linked both ways)
    lat: float | None  # where to outline it on the map (station / gauge / hotspot centroid); None for feeds
    lon: float | None
    silenced_until: datetime | None  # the rule (for this scope or all) is silenced until then
    incident_ref: str | None = None  # the incident's number as the queue shows it (server id, else local id)


@dataclass(frozen=True)
class AlertAction:
    """One line of an alert's history: who did what when (evaluation lines have actor "system")."""

    alert_id: int
    action: str  # ACTIONS
    actor: str
    role: str
    at: datetime  # wall-clock time of the action (data time for raised / occurred / cleared / reopened)
    comment: str | None


@dataclass(frozen=True)
class Silence:
    """A rule silenced for a while, for one scope or (scope_key None) all of them, with the reason everyone sees."""

    id: int
    rule_id: str
    scope_key: str | None
    starts_at: datetime
    until: datetime
    reason: str
    actor: str


@dataclass(frozen=True)
class EvaluationResult:
    """What one evaluation changed: ids of alerts raised (new), reopened, updated (another occurrence) and cleared.
    ``high`` lists the raised or reopened ones of a HIGH_SEVERITIES severity that are not silenced (the console
    sounds and notifies for those)."""

    raised: tuple[int, ...] = ()
    reopened: tuple[int, ...] = ()
    updated: tuple[int, ...] = ()
    cleared: tuple[int, ...] = ()
    high: tuple[int, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.raised or self.reopened or self.updated or self.cleared)
