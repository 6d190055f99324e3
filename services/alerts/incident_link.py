"""From an alert to an incident: one incident per area and category, not one per reading.

``plan_incident`` says what "Open incident" on an alert does: show the incident it is linked to already (while
that is open); else update the open incident of the same category in the alert's district (a comment on it, and the
link); else join the open major incident of the district, whatever its category (many alerts in one area, a flood
and the fires beside it, are one major incident for the command centre); else take in a new incident, with the form
filled from the alert (category from the alert's kind, priority from its severity, the message as the description,
the source "sensor") for the operator to check, answer the category's questions and save. The new incident takes
its SLA from its category and priority, like any other intake. ``link_incident`` records the link both ways: the
alert keeps the incident's id and a history line, and the incident gets a comment naming the alert, which reaches
the backend through the outbox like any comment.

A data-health alert (a stale feed, a silent station) is about the console's sources, not about the city: it opens
no incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from services.alerts import handling
from services.districts import nearest_district
from services.store import alert_incidents
from services.workflow import WorkflowError

if TYPE_CHECKING:
    from services.alerts.model import AlertView
    from services.store.store import Store

CATEGORY_OF_KIND = {"pm25": "smoke", "river": "flooding", "fire": "forest_fire"}
PRIORITY_OF_SEVERITY = {"critical": "P1", "warning": "P2", "info": "P3"}
SOURCE = "sensor"


@dataclass(frozen=True)
class IncidentPlan:
    """What "Open incident" on ``alert`` does: show or update ``existing_id``, else take in a new incident with
    these values."""

    alert: AlertView
    existing_id: int | None
    linked_already: bool
    major: bool  # ``existing_id`` is the district's major incident the alert joins
    category: str
    priority: str
    description: str
    lat: float
    lon: float
    district_code: str | None


def alert_words(alert: AlertView) -> str:
    """The alert in both languages, for an incident's description or comment."""
    th = f"{alert.rule_name_th} · {alert.scope_name_th}: {alert.message_th}"
    en = f"{alert.rule_name_en} · {alert.scope_name_en}: {alert.message_en}"
    return th if th == en else f"{th}\n{en}"


def plan_incident(store: Store, alert_id: int, role: str) -> IncidentPlan:
    """What opening an incident from the alert means now (see the module); WorkflowError when it cannot."""
    alert = store.alert(alert_id)
    category = CATEGORY_OF_KIND.get(alert.kind)
    if category is None:
        raise WorkflowError("value", "a data-health alert is about the console's sources and opens no incident")
    if alert.incident_id is not None and alert_incidents.incident_is_open(store.edit_engine, alert.incident_id):
        return IncidentPlan(alert, alert.incident_id, True, False, category, "", "", 0.0, 0.0, None)
    handling.check_role(role, "open incidents from")
    if alert.lat is None or alert.lon is None:
        raise WorkflowError("value", "this alert has no place to take an incident in at")
    district = nearest_district(alert.lat, alert.lon).code
    existing = alert_incidents.open_incident_in_district(store.edit_engine, category, district)
    major = None
    if existing is None:
        major = alert_incidents.open_major_incident_in_district(store.edit_engine, district)
    return IncidentPlan(alert, existing if major is None else major, False, major is not None, category,
                        PRIORITY_OF_SEVERITY.get(alert.severity, "P3"), alert_words(alert), alert.lat, alert.lon,
                        district)


def link_incident(store: Store, alert_id: int, incident_id: int, actor: str, role: str, now: datetime, *,
                  opened: bool) -> AlertView:
    """Link the alert and the incident it ``opened`` (a new intake) or updated (an open one): the alert's id for the
    incident and a history line, and a comment on the incident naming the alert."""
    handling.check_role(role, "open incidents from")
    alert = store.alert(alert_id)
    if alert.incident_id == incident_id:
        return alert
    words = alert_words(alert)
    # Named by its words, not its number: an alert's id is this console's own, and the comment goes to every console.
    store.add_comment_local(incident_id, ("แจ้งเตือน / Alert: " if opened else "แจ้งเตือนเพิ่ม / Alert: ") + words,
                            actor, now)
    alert_incidents.link(store.edit_engine, alert_id, incident_id, "incident_opened" if opened else "incident_linked",
                         actor, role, int(now.timestamp()), f"#{incident_id}")
    return store.alert(alert_id)
