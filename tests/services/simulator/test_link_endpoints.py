"""The workflow extension's links over raw HTTP: merge, split, related peers, a major incident and its children.

Same rules as PATCH: bearer roles (viewer 403, none 401), If-Match naming every request changed (428 / 412 with the
current records), Idempotency-Key replay (422 for another body), a service-request update on every request changed,
Open311 error bodies; and every record carries its links, so a plain poll shows them.
"""

from __future__ import annotations

import requests

from tests.support.after_photo import upload_after_photo

from .georeport_support import from_xml, get, new_request, xml_of


def _etag(sim, rid: str) -> str:
    return get(sim, f"/requests/{rid}.json").headers["ETag"]


def _record(sim, rid: str) -> dict:
    (record,) = get(sim, f"/requests/{rid}.json").json()
    return record


def _link(sim, rid: str, path: str, body: dict, *, role: str | None = "operator", if_match: str | None = "auto",
          key: str | None = None) -> requests.Response:
    headers = {}
    if role:
        headers["Authorization"] = f"Bearer {sim.tokens[role]}"
    if if_match == "auto":
        if_match = ", ".join(_etag(sim, i) for i in (rid, *body.get("request_ids", ())))
    if if_match:
        headers["If-Match"] = if_match
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(f"{sim.feed_base('open311')}/requests/{rid}/{path}", json=body, headers=headers, timeout=10)


def _updates(sim, rid: str) -> list[dict]:
    return get(sim, "/servicerequestupdates.json", {"service_request_id": rid}).json()


def test_merge_points_the_duplicates_at_their_keeper_and_a_plain_poll_shows_it(sim):
    keep, dup, dup2 = new_request(sim), new_request(sim), new_request(sim)
    before = {rid: _record(sim, rid)["version"] for rid in (keep, dup, dup2)}
    resp = _link(sim, keep, "merge.json", {"request_ids": [dup, dup2], "status_notes": "same fallen tree"})
    assert resp.status_code == 200, resp.text
    records = resp.json()
    assert [r["service_request_id"] for r in records] == [keep, dup, dup2]
    assert resp.headers["ETag"] == f'"{keep}-v{before[keep] + 1}"'
    assert records[0]["merged_request_ids"] == [dup, dup2] and records[0]["merged_into"] is None
    assert all(r["merged_into"] == keep and r["version"] == before[r["service_request_id"]] + 1 for r in records[1:])
    # Every reporter, attachment and update stays where it was: the duplicate is a request of its own still.
    assert _record(sim, dup)["workflow_state"] == "new"
    polled = {r["service_request_id"]: r for r in get(sim, "/requests.json",
                                                      {"service_request_id": f"{keep},{dup}"}).json()}
    assert polled[dup]["merged_into"] == keep and polled[keep]["merged_request_ids"] == [dup, dup2]
    assert "merged into" in _updates(sim, dup)[-1]["description"]
    assert "same fallen tree" in _updates(sim, keep)[-1]["description"]
    # XML carries the same links (GeoReport's Spark convention: a list of service_request_id elements).
    element = xml_of(get(sim, f"/requests/{keep}.xml"))
    assert from_xml(element)[0]["merged_request_ids"] == [dup, dup2]


def test_merges_never_nest_and_split_brings_a_duplicate_back(sim):
    keep, middle, leaf = new_request(sim), new_request(sim), new_request(sim)
    assert _link(sim, middle, "merge.json", {"request_ids": [leaf]}).status_code == 200
    assert _link(sim, keep, "merge.json", {"request_ids": [middle]}).status_code == 200
    assert _record(sim, leaf)["merged_into"] == keep  # moved up with the one it was merged into
    assert _record(sim, keep)["merged_request_ids"] == [middle, leaf]
    split = _link(sim, keep, "split.json", {"request_ids": [leaf]})
    assert split.status_code == 200
    assert _record(sim, leaf)["merged_into"] is None and _record(sim, keep)["merged_request_ids"] == [middle]
    again = _link(sim, keep, "split.json", {"request_ids": [leaf]})
    assert again.status_code == 409 and f"#{leaf} is not merged into #{keep}" in again.json()[0]["description"]


def test_a_merged_duplicate_takes_no_workflow_change_but_its_keeper_does(sim):
    keep, dup = new_request(sim), new_request(sim)
    _link(sim, keep, "merge.json", {"request_ids": [dup]})
    headers = {"Authorization": f"Bearer {sim.tokens['operator']}", "If-Match": _etag(sim, dup)}
    refused = requests.patch(f"{sim.feed_base('open311')}/requests/{dup}.json", json={"workflow_state":
                             "acknowledged"}, headers=headers, timeout=10)
    assert refused.status_code == 409 and f"merged into {keep}" in refused.json()[0]["description"]


def test_roles_if_match_and_errors_as_on_patch(sim):
    keep, dup = new_request(sim), new_request(sim)
    body = {"request_ids": [dup]}
    viewer = _link(sim, keep, "merge.json", body, role="viewer")
    assert viewer.status_code == 403 and viewer.json()[0]["code"] == 403
    assert _link(sim, keep, "merge.json", body, role=None).status_code == 401
    missing = _link(sim, keep, "merge.json", body, if_match=None)
    assert missing.status_code == 428 and missing.json()[0]["code"] == 428
    # Only the keeper's ETag: the duplicate is changed too, so its ETag must be named as well.
    half = _link(sim, keep, "merge.json", body, if_match=_etag(sim, keep))
    assert half.status_code == 412
    assert [r["service_request_id"] for r in half.json()] == [keep, dup]  # the current records, to rebase on
    assert half.headers["ETag"] == _etag(sim, keep)
    unknown = _link(sim, keep, "merge.json", {"request_ids": ["999999", "999998"]}, if_match="*")
    assert unknown.status_code == 404
    assert [e["description"] for e in unknown.json()] == ["service_request_id '999999' was not found",
                                                          "service_request_id '999998' was not found"]
    bad = _link(sim, keep, "merge.json", {"request_ids": "1001"}, if_match="*")
    assert bad.status_code == 400 and "request_ids" in bad.json()[0]["description"]
    itself = _link(sim, keep, "merge.json", {"request_ids": [keep]})
    assert itself.status_code == 400
    assert _link(sim, keep, "links.json", {"action": "merge", "request_ids": [dup]}).status_code == 400
    assert _record(sim, dup)["merged_into"] is None  # none of it changed anything


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(sim):
    keep, dup, other = new_request(sim), new_request(sim), new_request(sim)
    first = _link(sim, keep, "links.json", {"action": "relate", "request_ids": [dup]}, key="relate-1")
    assert first.status_code == 200
    count = len(_updates(sim, keep))
    # The lost response's retry: the same key, the same body (and its original If-Match, now stale).
    replay = requests.post(f"{sim.feed_base('open311')}/requests/{keep}/links.json",
                           json={"action": "relate", "request_ids": [dup]},
                           headers={"Authorization": f"Bearer {sim.tokens['operator']}", "Idempotency-Key": "relate-1",
                                    "If-Match": first.request.headers["If-Match"]}, timeout=10)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json() and len(_updates(sim, keep)) == count
    other_body = _link(sim, keep, "links.json", {"action": "relate", "request_ids": [other]}, key="relate-1")
    assert other_body.status_code == 422


def test_related_peers_both_ends_say_so(sim):
    a, b = new_request(sim), new_request(sim)
    assert _link(sim, a, "links.json", {"action": "relate", "request_ids": [b]}).status_code == 200
    assert _record(sim, a)["related_request_ids"] == [b] and _record(sim, b)["related_request_ids"] == [a]
    twice = _link(sim, b, "links.json", {"action": "relate", "request_ids": [a]})
    assert twice.status_code == 409 and "already related" in twice.json()[0]["description"]
    assert _link(sim, b, "links.json", {"action": "unrelate", "request_ids": [a]}).status_code == 200
    assert _record(sim, a)["related_request_ids"] == [] == _record(sim, b)["related_request_ids"]


def test_a_major_incident_and_its_children(sim):
    fire, report1, report2 = new_request(sim), new_request(sim), new_request(sim)
    attach_first = _link(sim, fire, "links.json", {"action": "attach", "request_ids": [report1]})
    assert attach_first.status_code == 409 and "promote it first" in attach_first.json()[0]["description"]
    promoted = _link(sim, fire, "links.json", {"action": "promote", "request_ids": [report1]})
    assert promoted.status_code == 200
    assert promoted.json()[0]["major_incident"] is True and promoted.json()[0]["child_request_ids"] == [report1]
    assert _link(sim, fire, "links.json", {"action": "attach", "request_ids": [report2]}).status_code == 200
    assert _record(sim, fire)["child_request_ids"] == [report1, report2]
    assert _record(sim, report2)["parent_request_id"] == fire
    # A child is never a major incident itself, nor a major incident a duplicate.
    nested = _link(sim, report1, "links.json", {"action": "promote"})
    assert nested.status_code == 409 and f"child of #{fire}" in nested.json()[0]["description"]
    other = new_request(sim)
    merged = _link(sim, other, "merge.json", {"request_ids": [fire]})
    assert merged.status_code == 409 and "major incident" in merged.json()[0]["description"]
    assert _link(sim, fire, "links.json", {"action": "detach", "request_ids": [report2]}).status_code == 200
    assert _record(sim, report2)["parent_request_id"] is None and _record(sim, fire)["child_request_ids"] == [report1]
    assert "part of major incident" in _updates(sim, report1)[-1]["description"]


def _patch(sim, rid: str, body: dict, role: str = "supervisor") -> requests.Response:
    headers = {"Authorization": f"Bearer {sim.tokens[role]}", "If-Match": _etag(sim, rid)}
    return requests.patch(f"{sim.feed_base('open311')}/requests/{rid}.json", json=body, headers=headers, timeout=10)


def test_closing_a_major_incident_with_open_children_needs_to_say_what_happens_to_them(sim):
    fire, report1, report2 = new_request(sim), new_request(sim), new_request(sim)
    _link(sim, fire, "links.json", {"action": "promote", "request_ids": [report1, report2]})
    assert _patch(sim, report2, {"workflow_state": "cancelled"}).status_code == 200  # already closed on its own
    upload_after_photo(sim.feed_base("open311"), fire, sim.tokens["operator"])
    refused = _patch(sim, fire, {"workflow_state": "resolved"}, "operator")
    assert refused.status_code == 409 and "1 open child" in refused.json()[0]["description"]
    assert _record(sim, fire)["workflow_state"] == "new"
    bad = _patch(sim, fire, {"workflow_state": "resolved", "children": "maybe"}, "operator")
    assert bad.status_code == 400
    resolved = _patch(sim, fire, {"workflow_state": "resolved", "children": "close"}, "operator")
    assert resolved.status_code == 200, resolved.text
    assert [(r["service_request_id"], r["workflow_state"]) for r in resolved.json()] == [(fire, "resolved"),
                                                                                       (report1, "resolved")]
    assert _record(sim, report1)["status"] == "closed" and _record(sim, report2)["workflow_state"] == "cancelled"
    assert "with major incident" in _updates(sim, report1)[-1]["description"]


def test_leaving_the_children_open_is_a_choice_the_server_records(sim):
    fire, report = new_request(sim), new_request(sim)
    _link(sim, fire, "links.json", {"action": "promote", "request_ids": [report]})
    left = _patch(sim, fire, {"workflow_state": "cancelled", "children": "leave"})
    assert left.status_code == 200 and len(left.json()) == 1
    assert _record(sim, report)["workflow_state"] == "new" and _record(sim, report)["parent_request_id"] == fire
    assert "open children: leave" in _updates(sim, fire)[-1]["description"]
