"""From an alert to an incident (services.alerts.incident_link): a new intake filled from the alert; else the open
incident of the same area and category; else the area's open major incident, whatever its category; linked both
ways; refused for a viewer and for a data-health alert."""

from __future__ import annotations

import pytest

from services.alerts.incident_link import link_incident, plan_incident
from services.districts import nearest_district
from services.store import Store
from services.store.incident_rows import IncidentDraft
from services.workflow import WorkflowError
from tests.services.alerts.conftest import alerts_by, at, hourly, pm25_rule, rules

ACTOR = "nida (operator)"
MUEANG = (18.79, 98.99)  # where the test station stands
MAE_CHAEM = (18.5959, 98.3092)


def _haze_alert(store: Store) -> int:
    store.ingest_air(hourly("a", [100.0] * 30))
    store.evaluate_alerts(rules(pm25_rule()), at(30))
    return int(alerts_by(store, "pm25")["a"].id)


def _incident(store: Store, category: str, place: tuple[float, float], *, state: str = "new") -> int:
    district = nearest_district(*place).code
    return store.create_incident_local(IncidentDraft(
        category=category, priority="P2", description=f"{category} report", lat=place[0], lon=place[1],
        source="hotline", district_code=district, state=state), ACTOR, at(31))


def test_an_alert_with_nothing_open_in_its_area_takes_in_a_new_incident(store: Store) -> None:
    alert_id = _haze_alert(store)
    _incident(store, "flooding", MUEANG)  # another category: not this alert's incident
    _incident(store, "smoke", MAE_CHAEM)  # another district
    plan = plan_incident(store, alert_id, "operator")
    assert plan.existing_id is None and not plan.linked_already and not plan.major
    assert (plan.category, plan.priority, plan.lat, plan.lon) == ("smoke", "P2", *MUEANG)
    assert plan.district_code == nearest_district(*MUEANG).code
    assert "PM2.5 24-h mean 100.0" in plan.description


def test_an_alert_updates_the_open_incident_of_its_area_and_category_linked_both_ways(store: Store) -> None:
    alert_id = _haze_alert(store)
    smoke = _incident(store, "smoke", MUEANG)
    plan = plan_incident(store, alert_id, "operator")
    assert (plan.existing_id, plan.major, plan.linked_already) == (smoke, False, False)
    view = link_incident(store, alert_id, smoke, ACTOR, "operator", at(32), opened=False)
    assert (view.incident_id, view.incident_ref) == (smoke, str(smoke))  # not on the server yet: its local number
    with store.edit_engine.begin() as conn:  # the server took it (as the outbox's answer records)
        conn.exec_driver_sql("UPDATE incidents SET server_id = '1057' WHERE id = ?", (smoke,))
    assert store.alert(alert_id).incident_ref == "1057"  # the number the queue shows
    events = store.incident_detail(smoke).events
    said = f"แจ้งเตือนเพิ่ม / Alert: {store.alert(alert_id).rule_name_th} · "  # its words: its id is this console's
    assert any(e.kind == "comment" and said in str(e.after) for e in events)
    assert [a.action for a in store.alert_history(alert_id)][-1] == "incident_linked"
    again = plan_incident(store, alert_id, "viewer")  # linked already: anyone may look at it
    assert (again.existing_id, again.linked_already) == (smoke, True)


def test_alerts_of_an_area_join_its_open_major_incident_whatever_its_category(store: Store) -> None:
    alert_id = _haze_alert(store)
    # A flood in the city made a major incident; a closed major incident and one elsewhere do not count.
    elsewhere = _incident(store, "forest_fire", MAE_CHAEM)
    store.promote_local(elsewhere, [], ACTOR, at(31))
    closed = _incident(store, "flooding", MUEANG, state="closed")
    with store.edit_engine.begin() as conn:  # as a close that reached the server leaves it
        conn.exec_driver_sql("UPDATE incidents SET major_incident = 1, status = 'closed' WHERE id = ?", (closed,))
    assert plan_incident(store, alert_id, "operator").existing_id is None
    flood = _incident(store, "flooding", MUEANG)
    store.promote_local(flood, [], ACTOR, at(31))
    plan = plan_incident(store, alert_id, "operator")
    assert (plan.existing_id, plan.major) == (flood, True)
    link_incident(store, alert_id, flood, ACTOR, "operator", at(32), opened=False)
    assert store.alert(alert_id).incident_id == flood
    # The same category's own incident in the area comes first.
    smoke = _incident(store, "smoke", MUEANG)
    with store.edit_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alerts SET incident_id = NULL WHERE id = ?", (alert_id,))
    assert (plan_incident(store, alert_id, "operator").existing_id, plan_incident(store, alert_id, "operator").major) \
        == (smoke, False)


def test_a_major_incident_taken_in_elsewhere_is_the_areas_through_a_child_there(store: Store) -> None:
    alert_id = _haze_alert(store)
    parent = _incident(store, "forest_fire", MAE_CHAEM)
    child = _incident(store, "flooding", MUEANG)
    store.promote_local(parent, [child], ACTOR, at(31))
    plan = plan_incident(store, alert_id, "operator")
    assert (plan.existing_id, plan.major) == (parent, True)


def test_a_viewer_and_a_data_alert_open_no_incident(store: Store) -> None:
    alert_id = _haze_alert(store)
    with pytest.raises(WorkflowError, match="viewer cannot open incidents from"):
        plan_incident(store, alert_id, "viewer")
    with pytest.raises(WorkflowError, match="viewer"):
        link_incident(store, alert_id, _incident(store, "smoke", MUEANG), "v", "viewer", at(32), opened=False)
    with store.edit_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alerts SET kind = 'data' WHERE id = ?", (alert_id,))
    with pytest.raises(WorkflowError, match="data-health"):
        plan_incident(store, alert_id, "operator")


def test_alert_to_incident_to_cleared_keeps_the_links_both_ways(store: Store) -> None:
    alert_id = _haze_alert(store)
    plan = plan_incident(store, alert_id, "operator")
    incident_id = store.create_incident_local(IncidentDraft(
        category=plan.category, priority=plan.priority, description=plan.description, lat=plan.lat, lon=plan.lon,
        source="sensor", district_code=plan.district_code), ACTOR, at(31))
    link_incident(store, alert_id, incident_id, ACTOR, "operator", at(31), opened=True)
    # The haze lifts: the 24-hour mean falls below the clearing level and stays there.
    store.ingest_air(hourly("a", [10.0] * 40, first_hour=31))
    store.evaluate_alerts(rules(pm25_rule()), at(70))
    cleared = store.alert(alert_id)
    assert (cleared.state, cleared.incident_id) == ("cleared", incident_id)
    assert [a.action for a in store.alert_history(alert_id)][-2:] == ["incident_opened", "cleared"]
    opened = next(a for a in store.alert_history(alert_id) if a.action == "incident_opened")
    assert opened.comment == f"#{incident_id}"  # not on the server yet: the local number
    with store.edit_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET server_id = '4711' WHERE id = ?", (incident_id,))
    opened = next(a for a in store.alert_history(alert_id) if a.action == "incident_opened")
    assert opened.comment == "#4711"  # the number the queue and the detail show
    assert any(e.kind == "comment" and f"แจ้งเตือน / Alert: {cleared.rule_name_th} · " in str(e.after)
               for e in store.incident_detail(incident_id).events)
    # Cleared, the alert still shows its incident (linked already); the incident is not closed by it.
    again = plan_incident(store, alert_id, "operator")
    assert (again.existing_id, again.linked_already) == (incident_id, True)
    assert store.incident_detail(incident_id).row.state == "new"
