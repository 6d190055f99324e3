"""Open311 GeoReport v2: services, list/filter/get, POST, updates, errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from services.workflow import OPEN311_STATUS, SOURCES, STATES

TRAFFY_CODES = {"flooding", "road", "sidewalk", "streetlight", "garbage", "safety", "smoke", "open_burning",
                "forest_fire", "tree", "water_supply", "animal", "traffic"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
                  "version", "workflow_state", "status_detail", "priority", "assignee", "source", "sla_paused_s",
                  "sla_paused_since", "resumed_state",
                  # links (services/simulator/incident_links.py)
                  "merged_into", "merged_request_ids", "parent_request_id", "child_request_ids",
                  "related_request_ids", "major_incident"}
STAFF_FIELDS = REQUEST_FIELDS | {"reporter_name", "reporter_contact"}


def _base(sim) -> str:
    return sim.feed_base("open311")


def test_services_and_definition(sim):
    services = requests.get(_base(sim) + "/services.json", timeout=5).json()
    assert {s["service_code"] for s in services} == TRAFFY_CODES
    fire = next(s for s in services if s["service_code"] == "forest_fire")
    assert fire["service_name_th"] == "ไฟป่า" and fire["metadata"] is True and fire["type"] == "realtime"
    definition = requests.get(_base(sim) + "/services/forest_fire.json", timeout=5).json()
    assert definition["attributes"][0]["code"] == "fire_size" and definition["attributes"][0]["required"] is True
    missing = requests.get(_base(sim) + "/services/nope.json", timeout=5)
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_list_has_seeded_incidents_with_all_fields(sim):
    resp = requests.get(_base(sim) + "/requests.json", timeout=5)
    rows = resp.json()
    assert len(rows) >= 40 and resp.headers["X-Total-Count"] == str(len(rows))
    for row in rows:
        assert set(row) == REQUEST_FIELDS
        assert isinstance(row["service_request_id"], str)
        assert row["status"] in ("open", "closed")
        assert datetime.fromisoformat(row["requested_datetime"]).utcoffset() == timedelta(hours=7)
        assert 18.6 < row["lat"] < 18.9 and 98.9 < row["long"] < 99.2
    assert {r["status"] for r in rows} == {"open", "closed"}
    assert any(any("\u0e00" <= ch <= "\u0e7f" for ch in r["description"]) for r in rows)


def test_seeded_states_follow_the_workflow(sim):
    rows = requests.get(_base(sim) + "/requests.json", timeout=5).json()
    states = {r["workflow_state"] for r in rows}
    assert len(states) >= 7 and states <= set(STATES)  # spread over realistic states
    for r in rows:
        assert r["status"] == OPEN311_STATUS[r["workflow_state"]] and r["source"] in (*SOURCES, None)
        paused = r["workflow_state"] in ("forwarded", "on_hold", "resolved", "closed", "cancelled")
        assert (r["sla_paused_since"] is not None) == paused
        assert (r["resumed_state"] is not None) == (r["workflow_state"] in ("forwarded", "on_hold"))
        assert isinstance(r["sla_paused_s"], int) and r["sla_paused_s"] >= 0
        assert datetime.fromisoformat(r["expected_datetime"]) > datetime.fromisoformat(r["requested_datetime"])
    reopened = [r for r in rows if r["workflow_state"] == "reopened"]
    assert all(r["sla_paused_s"] > 0 for r in reopened)  # time spent resolved does not count


def test_reporter_fields_only_for_staff(sim):
    form = {"api_key": sim.tokens["operator"], "service_code": "road", "lat": "18.79", "long": "98.99",
            "first_name": "สมศรี", "last_name": "ใจดี", "email": "somsri@example.org", "phone": "081-234-5678",
            "source": "hotline"}
    rid = requests.post(_base(sim) + "/requests.json", data=form, timeout=5).json()[0]["service_request_id"]
    (public,) = requests.get(f"{_base(sim)}/requests/{rid}.json", timeout=5).json()
    assert set(public) == REQUEST_FIELDS and public["source"] == "hotline"
    viewer = {"Authorization": f"Bearer {sim.tokens['viewer']}"}
    (staff,) = requests.get(f"{_base(sim)}/requests/{rid}.json", headers=viewer, timeout=5).json()
    assert set(staff) == STAFF_FIELDS
    assert staff["reporter_name"] == "สมศรี ใจดี" and staff["reporter_contact"] == "081-234-5678, somsri@example.org"
    listed = requests.get(_base(sim) + "/requests.json", headers=viewer, timeout=5).json()
    assert all(set(r) == STAFF_FIELDS for r in listed)
    bogus = {"Authorization": "Bearer nope"}
    assert set(requests.get(f"{_base(sim)}/requests/{rid}.json", headers=bogus, timeout=5).json()[0]) == REQUEST_FIELDS
    explicit = {**form, "reporter_name": "Somsri J.", "reporter_contact": "LINE @somsri", "source": "walk_in"}
    rid2 = requests.post(_base(sim) + "/requests.json", data=explicit, timeout=5).json()[0]["service_request_id"]
    (two,) = requests.get(f"{_base(sim)}/requests/{rid2}.json", headers=viewer, timeout=5).json()
    assert (two["reporter_name"], two["reporter_contact"], two["source"]) == ("Somsri J.", "LINE @somsri", "walk_in")
    plain = {k: v for k, v in form.items() if k not in ("first_name", "last_name", "email", "phone", "source")}
    rid3 = requests.post(_base(sim) + "/requests.json", data=plain, timeout=5).json()[0]["service_request_id"]
    (three,) = requests.get(f"{_base(sim)}/requests/{rid3}.json", headers=viewer, timeout=5).json()
    assert (three["reporter_name"], three["reporter_contact"], three["source"]) == (None, None, None)
    assert requests.post(_base(sim) + "/requests.json", data={**form, "source": "pigeon"}, timeout=5).status_code == 400
    too_long = {**form, "reporter_name": "ก" * 201}
    assert requests.post(_base(sim) + "/requests.json", data=too_long, timeout=5).status_code == 400


def test_filters_and_pagination(sim):
    base = _base(sim) + "/requests.json"
    closed = requests.get(base, params={"status": "closed"}, timeout=5).json()
    assert closed and all(r["status"] == "closed" for r in closed)
    fires = requests.get(base, params={"service_code": "forest_fire,flooding"}, timeout=5).json()
    assert all(r["service_code"] in ("forest_fire", "flooding") for r in fires)
    since = (sim.now() - timedelta(days=2)).astimezone().isoformat()
    recent = requests.get(base, params={"start_date": since}, timeout=5).json()
    assert recent and all(datetime.fromisoformat(r["requested_datetime"]) >= datetime.fromisoformat(since)
                          for r in recent)
    page1 = requests.get(base, params={"page": 1, "page_size": 10}, timeout=5)
    page2 = requests.get(base, params={"page": 2, "page_size": 10}, timeout=5).json()
    assert len(page1.json()) == 10 and int(page1.headers["X-Total-Count"]) >= 40
    assert not {r["service_request_id"] for r in page1.json()} & {r["service_request_id"] for r in page2}
    assert requests.get(base, params={"start_date": "yesterday"}, timeout=5).status_code == 400
    assert requests.get(base, params={"status": "maybe"}, timeout=5).status_code == 400


def test_get_single_is_a_list_with_etag(sim):
    rid = requests.get(_base(sim) + "/requests.json", timeout=5).json()[0]["service_request_id"]
    resp = requests.get(f"{_base(sim)}/requests/{rid}.json", timeout=5)
    body = resp.json()
    assert isinstance(body, list) and len(body) == 1 and body[0]["service_request_id"] == rid
    assert resp.headers["ETag"] == f'"{rid}-v{body[0]["version"]}"'
    assert requests.get(f"{_base(sim)}/requests/999999.json", timeout=5).status_code == 404


def test_post_request_with_api_key(sim):
    form = {"api_key": sim.tokens["operator"], "service_code": "forest_fire", "lat": "18.80", "long": "98.92",
            "description": "ไฟไหม้ป่าดอยสุเทพ", "attribute[fire_size]": "large"}
    resp = requests.post(_base(sim) + "/requests.json", data=form, timeout=5)
    assert resp.status_code == 201
    (created,) = resp.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert isinstance(created["service_request_id"], str) and created["account_id"] is None
    (record,) = requests.get(f"{_base(sim)}/requests/{created['service_request_id']}.json", timeout=5).json()
    assert record["status"] == "open" and record["workflow_state"] == "new" and record["lat"] == 18.80
    # forest_fire P1: the SLA target is 4 h after the request, and the notice says so.
    requested = datetime.fromisoformat(record["requested_datetime"])
    assert datetime.fromisoformat(record["expected_datetime"]) - requested == timedelta(hours=4)
    assert record["sla_paused_s"] == 0 and record["sla_paused_since"] is None and record["resumed_state"] is None


def test_post_errors(sim):
    url = _base(sim) + "/requests.json"
    good = {"api_key": sim.tokens["supervisor"], "service_code": "road", "address_string": "Tha Phae Gate"}
    assert requests.post(url, data=good, timeout=5).status_code == 201
    bad_key = requests.post(url, data={**good, "api_key": "nope"}, timeout=5)
    assert bad_key.status_code == 403 and bad_key.json() == [{"code": 403, "description": "Invalid api_key"}]
    assert requests.post(url, data={**good, "api_key": sim.tokens["viewer"]}, timeout=5).status_code == 403
    assert requests.post(url, data={**good, "service_code": "nope"}, timeout=5).status_code == 404
    no_place = {k: v for k, v in good.items() if k != "address_string"}
    assert requests.post(url, data=no_place, timeout=5).status_code == 400
    assert requests.post(url, data={**good, "description": "x" * 4001}, timeout=5).status_code == 400
    fire = {**good, "service_code": "forest_fire"}
    assert requests.post(url, data=fire, timeout=5).status_code == 400  # fire_size is required


def test_new_incidents_arrive_over_simulated_time(sim):
    url = _base(sim) + "/requests.json"
    before = int(requests.get(url, timeout=5).headers["X-Total-Count"])
    sim.clock.advance(24 * 3600)
    rows = requests.get(url, timeout=5).json()
    assert len(rows) > before
    assert rows[0]["workflow_state"] == "new"


def test_service_request_updates(sim):
    url = _base(sim) + "/servicerequestupdates.json"
    updates = requests.get(url, timeout=5).json()
    assert len(updates) >= 40
    assert {"update_id", "service_request_id", "status", "description", "updated_datetime"} <= set(updates[0])
    last = int(updates[-1]["update_id"])
    requests.post(_base(sim) + "/requests.json", timeout=5,
                  data={"api_key": sim.tokens["operator"], "service_code": "tree", "lat": "18.79", "long": "98.99"})
    newer = requests.get(url, params={"after_update_id": last}, timeout=5).json()
    assert len(newer) == 1 and newer[0]["status"] == "open"
