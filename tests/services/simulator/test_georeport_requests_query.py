"""GET Service Requests' arguments against GeoReport v2's text (wiki.open311.org/GeoReport_v2), over raw HTTP.

The spec's "Optional Arguments" table for ``GET /requests.[format]``, quoted per test; plus our extensions
(``updated_after``, ``page``/``page_size``) kept as they were.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from services.simulator.timefmt import THAI

from .georeport_support import from_xml, get, new_request, xml_of

DAY = 24 * 3600


def _ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [r["service_request_id"] for r in resp.json()]


def _requested(row: dict) -> datetime:
    return datetime.fromisoformat(row["requested_datetime"])


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _move_on(sim, days: int) -> None:
    """Advance the simulated clock, a week at a time, so every day in between gets its new requests."""
    for _ in range(days // 7):
        sim.clock.advance(7 * DAY)
        get(sim, "/requests.json", {"page_size": 1})
    sim.clock.advance(days % 7 * DAY)


# --- service_request_id --------------------------------------------------------------------------------------------
# "To call multiple Service Requests at once, multiple service_request_id can be declared; comma delimited."
# "This overrides all other arguments."

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_id_overrides_all_other_arguments(sim, fmt):
    rows = get(sim, "/requests.json").json()
    closed = next(r["service_request_id"] for r in rows if r["status"] == "closed")
    opened = next(r["service_request_id"] for r in rows if r["status"] == "open" and r["service_code"] != "road")
    others = {"status": "pending", "service_code": "no_such_service", "start_date": "not a date",
              "end_date": "2001-01-01T00:00:00Z", "updated_after": "?", "page": "9", "page_size": "1",
              "jurisdiction_id": "sfgov.org"}
    resp = get(sim, f"/requests.{fmt}", {"service_request_id": f"{opened},{closed}", **others})
    assert resp.status_code == 200
    body = from_xml(xml_of(resp)) if fmt == "xml" else resp.json()
    assert [r["service_request_id"] for r in body] == [opened, closed]  # in the order asked for
    assert resp.headers["X-Total-Count"] == "2"


def test_service_request_id_reaches_past_the_90_day_window(sim):
    oldest = get(sim, "/requests.json").json()[-1]
    _move_on(sim, 91)
    assert oldest["service_request_id"] not in _ids(get(sim, "/requests.json"))
    (row,) = get(sim, "/requests.json", {"service_request_id": oldest["service_request_id"]}).json()
    assert row["service_request_id"] == oldest["service_request_id"]


def test_service_request_id_lists_and_repeats(sim):
    rows = get(sim, "/requests.json").json()[:4]
    ids = [r["service_request_id"] for r in rows]
    assert _ids(get(sim, "/requests.json", {"service_request_id": " , ".join(ids)})) == ids
    assert _ids(get(sim, "/requests.json", [("service_request_id", ids[0]), ("service_request_id", ",".join(ids[1:]))]
                    )) == ids
    assert _ids(get(sim, "/requests.json", {"service_request_id": f"{ids[0]},{ids[0]}"})) == ids[:1]
    # Each row is the request itself, as GET Service Request answers it.
    assert get(sim, "/requests.json", {"service_request_id": ids[1]}).json() == get(sim, f"/requests/{ids[1]}.json"
                                                                                   ).json()


def test_unknown_service_request_ids_are_404_each_named(sim):
    resp = get(sim, "/requests.xml", {"service_request_id": "1001,4040404,x"})
    assert resp.status_code == 404
    assert from_xml(xml_of(resp)) == [{"code": "404", "description": "service_request_id '4040404' was not found"},
                                      {"code": "404", "description": "service_request_id 'x' was not found"}]


# --- service_code --------------------------------------------------------------------------------------------------
# "Specify the service type by calling the unique ID of the service_code." "This defaults to all service codes when
# not declared; can be declared multiple times, comma delimited"

def test_service_code_one_several_or_all(sim):
    everything = get(sim, "/requests.json").json()
    fires = _ids(get(sim, "/requests.json", {"service_code": "forest_fire"}))
    floods = _ids(get(sim, "/requests.json", {"service_code": "flooding"}))
    assert fires and floods
    assert fires == [r["service_request_id"] for r in everything if r["service_code"] == "forest_fire"]
    both = _ids(get(sim, "/requests.json", {"service_code": "forest_fire,flooding"}))
    assert set(both) == set(fires) | set(floods) and len(both) == len(fires) + len(floods)
    repeated = _ids(get(sim, "/requests.json", [("service_code", "forest_fire"), ("service_code", "flooding")]))
    assert repeated == both
    unknown = get(sim, "/requests.json", {"service_code": "forest_fire,graffiti"})
    assert unknown.status_code == 404 and unknown.json() == [{"code": 404,
                                                              "description": "service_code 'graffiti' was not found"}]


# --- status --------------------------------------------------------------------------------------------------------
# "Allows one to search for requests which have a specific status. This defaults to all statuses; can be declared
# multiple times, comma delimited;" "Options: open, closed"

def test_status_open_closed_both(sim):
    everything = get(sim, "/requests.json").json()
    opened = _ids(get(sim, "/requests.json", {"status": "open"}))
    closed = _ids(get(sim, "/requests.json", {"status": "closed"}))
    assert opened and closed
    assert opened == [r["service_request_id"] for r in everything if r["status"] == "open"]
    assert closed == [r["service_request_id"] for r in everything if r["status"] == "closed"]
    all_ids = [r["service_request_id"] for r in everything]
    assert _ids(get(sim, "/requests.json", {"status": "open,closed"})) == all_ids
    assert _ids(get(sim, "/requests.json", [("status", "closed"), ("status", "open")])) == all_ids
    bad = get(sim, "/requests.json", {"status": "open,fixed"})
    assert bad.status_code == 400 and bad.json()[0]["description"].startswith("status ")


# --- start_date / end_date -----------------------------------------------------------------------------------------
# start_date: "Earliest datetime to include in search. When provided with end_date, allows one to search for requests
# which have a requested_datetime that matches a given range, but may not span more than 90 days." end_date: "Latest
# datetime to include in search." Both: "When not specified, the range defaults to most recent 90 days. Must use w3
# format, eg 2010-01-01T00:00:00Z."

def test_dates_bound_requested_datetime_inclusively(sim):
    rows = get(sim, "/requests.json").json()
    middle = rows[len(rows) // 2]
    at = _w3c(_requested(middle))
    exact = get(sim, "/requests.json", {"start_date": at, "end_date": at}).json()
    assert middle["service_request_id"] in [r["service_request_id"] for r in exact]
    assert all(_requested(r) == _requested(middle) for r in exact)
    start, end = _requested(rows[-5]), _requested(rows[4])
    ranged = get(sim, "/requests.json", {"start_date": _w3c(start), "end_date": _w3c(end)}).json()
    assert [r["service_request_id"] for r in ranged] == [r["service_request_id"] for r in rows
                                                          if start <= _requested(r) <= end]


def test_w3c_forms_and_offsets_name_the_same_instant(sim):
    moment = _requested(get(sim, "/requests.json").json()[10])
    forms = [_w3c(moment), moment.astimezone(THAI).isoformat(), moment.astimezone(UTC).isoformat(),
             moment.astimezone(THAI).replace(tzinfo=None).isoformat()]  # without an offset: Thai local time
    answers = [_ids(get(sim, "/requests.json", {"start_date": form})) for form in forms]
    assert answers[0] and all(answer == answers[0] for answer in answers)
    # A '+' left unescaped in a query string arrives as a space; it still reads as the offset.
    unescaped = get(sim, "/requests.json?start_date=" + moment.astimezone(THAI).isoformat())
    assert _ids(unescaped) == answers[0]
    # The W3C note's coarser forms, YYYY-MM and YYYY, name the first instant of that month or year (Thai time).
    month = _ids(get(sim, "/requests.json", {"start_date": "2026-03"}))
    assert month and month == _ids(get(sim, "/requests.json", {"start_date": "2026-03-01T00:00:00+07:00"}))
    assert _ids(get(sim, "/requests.json", {"end_date": "2026"})) == _ids(
        get(sim, "/requests.json", {"end_date": "2026-01-01T00:00:00+07:00"}))
    bad = get(sim, "/requests.json", {"end_date": "10/03/2026"})
    assert bad.status_code == 400 and bad.json()[0]["description"].startswith("end_date ")


def test_a_range_may_not_span_more_than_90_days(sim):
    end = sim.now()
    ninety = {"start_date": _w3c(end - timedelta(days=90)), "end_date": _w3c(end)}
    assert get(sim, "/requests.json", ninety).status_code == 200
    longer = get(sim, "/requests.json", {**ninety, "start_date": _w3c(end - timedelta(days=90, seconds=1))})
    assert longer.status_code == 400
    assert longer.json() == [{"code": 400, "description": "start_date and end_date may not span more than 90 days"}]
    reversed_ = get(sim, "/requests.json", {"start_date": ninety["end_date"], "end_date": ninety["start_date"]})
    assert reversed_.status_code == 400 and "before start_date" in reversed_.json()[0]["description"]


def test_one_date_alone_covers_90_days_from_or_up_to_it(sim):
    _move_on(sim, 120)
    now = sim.now().replace(microsecond=0)

    def same_as_range(alone: dict, start: datetime, end: datetime) -> None:
        resp = get(sim, "/requests.json", alone)
        rows = resp.json()
        assert rows and all(start <= _requested(r) <= end for r in rows)
        explicit = get(sim, "/requests.json", {"start_date": _w3c(start), "end_date": _w3c(end)})
        assert _ids(resp) == _ids(explicit)
        # More than a page's worth: the totals show what lies beyond the first 1000 as well.
        assert resp.headers["X-Total-Count"] == explicit.headers["X-Total-Count"]
        assert int(resp.headers["X-Total-Count"]) < int(get(sim, "/requests.json", {"updated_after": _w3c(
            now - timedelta(days=400))}).headers["X-Total-Count"])

    start = now - timedelta(days=110)
    same_as_range({"start_date": _w3c(start)}, start, start + timedelta(days=90))
    end = now - timedelta(days=20)
    same_as_range({"end_date": _w3c(end)}, end - timedelta(days=90), end)


def test_no_dates_is_the_most_recent_90_days(sim):
    oldest = get(sim, "/requests.json").json()[-1]
    _move_on(sim, 91)
    now = sim.now()
    default = get(sim, "/requests.json").json()
    assert default and all(_requested(r) >= now - timedelta(days=90) for r in default)
    assert oldest["service_request_id"] not in [r["service_request_id"] for r in default]
    assert [r["service_request_id"] for r in default] == _ids(
        get(sim, "/requests.json", {"start_date": _w3c(now - timedelta(days=90)), "end_date": _w3c(now)}))


# --- Response Volume -----------------------------------------------------------------------------------------------
# "Default query limit is a span of 90 days or first 1000 requests returned, whichever is smallest."

def test_default_limit_is_90_days_or_the_first_1000(sim):
    _move_on(sim, 91)
    now = sim.now()
    newest = int(get(sim, "/requests.json", {"page_size": 1}).json()[0]["service_request_id"])
    everyone: list[dict] = []
    for first in range(1001, newest + 1, 400):  # every request there is, whatever its age, by id
        ids = ",".join(str(i) for i in range(first, min(first + 400, newest + 1)))
        everyone += get(sim, "/requests.json", {"service_request_id": ids}).json()
    recent = sorted((r for r in everyone if _requested(r) >= now - timedelta(days=90)),
                    key=lambda r: (_requested(r), int(r["service_request_id"])), reverse=True)
    assert len(recent) > 1000 and len(everyone) > len(recent)  # both limits bite
    resp = get(sim, "/requests.json")
    assert resp.headers["X-Total-Count"] == str(len(recent))
    assert _ids(resp) == [r["service_request_id"] for r in recent[:1000]]


# --- Optional Arguments --------------------------------------------------------------------------------------------
# ""Optional" means that the response should be the same whether a parameter is passed and is empty or is not passed
# at all. A null parameter should be treated as equivalent to a non-declared parameter in processing the request."

@pytest.mark.parametrize("name", ["service_request_id", "service_code", "start_date", "end_date", "status",
                                  "jurisdiction_id", "updated_after", "page", "page_size"])
def test_an_empty_argument_is_an_absent_one(sim, name):
    for base in ({}, {"service_code": "forest_fire"} if name == "status" else {"status": "closed"}):
        plain = get(sim, "/requests.json", base)
        empty = get(sim, "/requests.json", {**base, name: ""})
        assert plain.status_code == empty.status_code == 200
        assert empty.content == plain.content and empty.headers["X-Total-Count"] == plain.headers["X-Total-Count"]


# --- Our extensions, unchanged -------------------------------------------------------------------------------------

def test_updated_after_reaches_past_90_days_and_sorts_oldest_change_first(sim):
    oldest = get(sim, "/requests.json").json()[-1]["service_request_id"]
    _move_on(sim, 91)
    cursor = _w3c(sim.now())
    sim.clock.advance(60)
    etag = get(sim, f"/requests/{oldest}.json").headers["ETag"]
    patched = requests.patch(f"{sim.feed_base('open311')}/requests/{oldest}.json", json={"assignee": "ทีมดับไฟ 2"},
                             headers={"Authorization": f"Bearer {sim.tokens['operator']}", "If-Match": etag},
                             timeout=5)
    assert patched.status_code == 200
    fresh = new_request(sim)
    changed = get(sim, "/requests.json", {"updated_after": cursor}).json()
    assert [r["service_request_id"] for r in changed][-2:] == [oldest, fresh]
    stamps = [(r["updated_datetime"], int(r["service_request_id"])) for r in changed]
    assert [datetime.fromisoformat(t) for t, _ in stamps] == sorted(datetime.fromisoformat(t) for t, _ in stamps)


def test_pages_and_their_bounds(sim):
    everything = _ids(get(sim, "/requests.json"))
    pages = [_ids(get(sim, "/requests.json", {"page": n, "page_size": 7})) for n in range(1, len(everything) // 7 + 2)]
    assert [i for page in pages for i in page] == everything and all(len(p) == 7 for p in pages[:-1])
    assert get(sim, "/requests.json", {"page_size": 1000}).status_code == 200
    assert get(sim, "/requests.json", {"page_size": 1001}).status_code == 400
    assert get(sim, "/requests.json", {"page": 0}).status_code == 400
