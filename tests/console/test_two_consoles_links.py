"""Issue 10, two console processes: console A forwards, corrects a description, merges, relates, makes a major
incident with children and splits two merged duplicates back out (one from its own links box, one from the
keeper's), all through its widgets (tests/support/console_driver.py ``--script``); console B, after its next poll,
shows each of them to its operator (``--watch``: read from its detail panel and its queue), and the server holds the
same.

Everything is a real process: one standalone simulator, and the two consoles on it with their own data directories.
B is asked once before A acts, so every check below is seen to fail on what B showed then (but the split: the
split-out incidents are back as they were, so that check fails only when a split did not reach B).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.support.child_process import Child, console_env, driver_args, standalone_simulator
from tests.support.outbox_audit import read_server

START_TIMEOUT_S = 60.0
SCRIPT_TIMEOUT_S = 60.0  # A's steps and its drain
POLL_TIMEOUT_S = 40.0  # B's sync and its SHOWN lines
FORWARDABLE = ("new", "acknowledged", "dispatched", "on_scene")  # states an operator may forward from
AGENCY = "สำนักงานป้องกันและบรรเทาสาธารณภัยจังหวัดเชียงใหม่"  # Chiang Mai disaster prevention and mitigation office
CORRECTED = "ต้นไม้ใหญ่ล้มขวางถนนทั้งสองช่องทาง / A large tree blocks both lanes (corrected LA02Z)"
ROLES = ("describe", "keeper", "merged", "split", "split2", "peer1", "peer2", "major", "child1", "child2")
SPLIT_BACK = "split-out incidents back in the queue, on their own"  # what B showed before the merge too

Fact = dict  # one SHOWN line of console B


def _cast(url: str) -> dict[str, str]:
    """Server ids of the incidents the script works on: open, unlinked, one of them in a state that may forward."""
    records = requests.get(f"{url}/open311/v2/requests.json", timeout=30).json()
    free = [r for r in records if r["status"] == "open" and not r["merged_into"] and not r["merged_request_ids"]
            and not r["related_request_ids"] and not r["major_incident"] and not r["parent_request_id"]]
    forward = next(r for r in free if r["workflow_state"] in FORWARDABLE)
    rest = [r["service_request_id"] for r in free if r is not forward]
    assert len(rest) >= len(ROLES), f"the simulator's seed has too few open incidents: {len(rest) + 1}"
    return {"forward": forward["service_request_id"], **dict(zip(ROLES, rest))}


def _script(c: dict[str, str]) -> list[dict]:
    return [
        {"incident": c["forward"], "action": "forward", "agency": AGENCY, "marker": "LA01Z"},
        {"incident": c["describe"], "action": "describe", "description": CORRECTED, "marker": "LA02Z"},
        {"incident": c["keeper"], "action": "merge", "others": [c["merged"], c["split"], c["split2"]],
         "via": "queue", "marker": "LA03Z"},
        {"incident": c["peer1"], "action": "relate", "others": [c["peer2"]], "via": "queue", "marker": "LA04Z"},
        {"incident": c["major"], "action": "promote", "via": "panel", "marker": "LA05Z"},
        {"incident": c["child1"], "action": "attach", "major": c["major"], "via": "panel", "marker": "LA06Z"},
        {"incident": c["major"], "action": "attach", "others": [c["child2"]], "via": "queue", "marker": "LA07Z"},
        # Split out from the duplicate's own links box, and from the keeper's.
        {"incident": c["split"], "action": "split", "others": [c["keeper"]], "marker": "LA08Z"},
        {"incident": c["keeper"], "action": "split", "others": [c["split2"]], "marker": "LA09Z"},
    ]


def _links_to(fact: Fact, server_id: str, what: str) -> bool:
    """B's link list names ``server_id`` as ``what`` ("merged in", "merged into", "related", "child", ...)."""
    return any(text.startswith(f"#{server_id} · {what}") for text in fact["links"])


def _link_line(shown: dict[str, Fact], server_id: str, what: str) -> str:
    """The line B's link list shows for ``server_id`` as ``what``, with that incident's state as B shows it."""
    return f"#{server_id} · {what} · {shown[server_id]['state_label']}"


def _names(fact: Fact, server_id: str) -> bool:
    return any(text.startswith(f"#{server_id} ") for text in fact["links"])


def _expectations(c: dict[str, str]) -> dict[str, tuple[str, Callable[[dict[str, Fact]], bool]]]:
    """What B's operator must see after A's script: name -> (incident, check over every SHOWN fact)."""
    major, kids = c["major"], (c["child1"], c["child2"])
    return {
        "forwarded, agency shown": (c["forward"], lambda s: s[c["forward"]]["state_label"] == "forwarded"
                                    and AGENCY in s[c["forward"]]["assignee_text"]
                                    and (s[c["forward"]]["queue"] or {}).get("status") == "forwarded"),
        "description corrected": (c["describe"], lambda s: s[c["describe"]]["description"] == CORRECTED),
        "duplicate out of the queue, merged into its keeper": (
            c["merged"], lambda s: not s[c["merged"]]["in_queue"] and _links_to(s[c["merged"]], c["keeper"],
                                                                                "merged into")),
        "keeper lists its duplicate, not the split ones": (
            c["keeper"], lambda s: s[c["keeper"]]["links"] == [_link_line(s, c["merged"], "merged in")]),
        SPLIT_BACK: (
            c["split"], lambda s: all(s[c[k]]["in_queue"] and not _names(s[c[k]], c["keeper"])
                                      for k in ("split", "split2"))),
        "related peers list each other": (
            c["peer1"], lambda s: _links_to(s[c["peer1"]], c["peer2"], "related")
            and _links_to(s[c["peer2"]], c["peer1"], "related")),
        "major incident shows its children": (
            major, lambda s: s[major]["major"].startswith("Major incident · 2 children")
            and all(_links_to(s[major], kid, "child") for kid in kids)
            and (s[major]["queue"] or {}).get("id", "").startswith(f"{major} ★2")),
        "children show their major incident": (
            kids[0], lambda s: all(s[kid]["major"] == f"Part of major incident #{major}"
                                   and _links_to(s[kid], major, "major incident")
                                   and (s[kid]["queue"] or {}).get("id", "").startswith(f"{kid} ↳")
                                   for kid in kids)),
    }


@pytest.fixture
def consoles(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], dict[str, Child]]]:
    """The simulator, the cast of incidents, console A waiting for GO with its script and console B watching."""
    env = console_env(tmp_path / "keyring.json")
    with standalone_simulator(env, tmp_path) as url:
        cast = _cast(url)
        script = tmp_path / "script-A.json"
        script.write_text(json.dumps(_script(cast), ensure_ascii=False), encoding="utf-8")
        children: dict[str, Child] = {}
        try:
            children["A"] = Child(driver_args(tmp_path / "A", url, "--script", str(script)), env,
                                  tmp_path / "console-A.stderr", stdin=True)
            children["B"] = Child(driver_args(tmp_path / "B", url, "--watch"), env, tmp_path / "console-B.stderr",
                                  stdin=True)
            for child in children.values():
                assert child.wait_for(lambda line: line == "LOADED", START_TIMEOUT_S), child.describe()
            yield url, cast, children
        finally:
            for child in children.values():
                child.close()


def _poll(b: Child, server_ids: list[str]) -> dict[str, Fact]:
    """Ask B to sync now and show each incident; its SHOWN facts by server id."""
    b.send(f"POLL {','.join(server_ids)}\n")
    shown: dict[str, Fact] = {}
    while True:
        line = b.wait_for(lambda text: text.startswith(("SHOWN ", "POLLED", "TIMEOUT", "FATAL")), POLL_TIMEOUT_S)
        assert line is not None and not line.startswith(("TIMEOUT", "FATAL")), f"console B: {b.describe()}"
        if line == "POLLED":
            break
        fact = json.loads(line.removeprefix("SHOWN "))
        shown[fact["id"]] = fact
    assert sorted(shown) == sorted(server_ids), shown
    return shown


def test_b_shows_what_a_forwarded_merged_linked_and_split(consoles) -> None:  # type: ignore[no-untyped-def]
    url, cast, (a, b) = consoles[0], consoles[1], (consoles[2]["A"], consoles[2]["B"])
    ids = list(cast.values())
    expected = _expectations(cast)

    before = _poll(b, ids)
    held = [name for name, (_sid, check) in expected.items() if name != SPLIT_BACK and check(before)]
    assert held == [], f"B already showed {held} before A acted: {before}"

    a.send("GO\n")
    line = a.wait_for(lambda text: text.startswith(("DRAINED", "TIMEOUT", "FATAL")), SCRIPT_TIMEOUT_S)
    assert line == "DRAINED 0", f"console A: {a.describe()}"
    assert a.proc.wait(timeout=30) == 0, a.describe()
    confirmed = [text.split()[1:] for text in a.lines if text.startswith("CONFIRMED")]
    assert confirmed == [[step["action"], step["marker"]] for step in _script(cast)], confirmed

    # The server's copy, as any client reads it.
    records = {r["service_request_id"]: r for r in read_server(url).requests}
    c = cast
    assert records[c["forward"]]["workflow_state"] == "forwarded"
    assert records[c["forward"]]["agency_responsible"] == AGENCY
    assert records[c["describe"]]["description"] == CORRECTED
    assert records[c["merged"]]["merged_into"] == c["keeper"]
    assert records[c["keeper"]]["merged_request_ids"] == [c["merged"]]
    assert [records[c[k]]["merged_into"] for k in ("split", "split2")] == [None, None]
    assert records[c["peer1"]]["related_request_ids"] == [c["peer2"]]
    assert records[c["peer2"]]["related_request_ids"] == [c["peer1"]]
    assert records[c["major"]]["major_incident"] is True
    assert records[c["major"]]["child_request_ids"] == sorted([c["child1"], c["child2"]], key=int)
    assert [records[c[k]]["parent_request_id"] for k in ("child1", "child2")] == [c["major"]] * 2

    # Console B, after its next poll: each of A's actions as its operator sees it.
    after = _poll(b, ids)
    missing = [name for name, (_sid, check) in expected.items() if not check(after)]
    assert missing == [], f"B does not show {missing}: {json.dumps(after, ensure_ascii=False, indent=1)}"

    b.send("QUIT\n")
    assert b.proc.wait(timeout=30) == 0, b.describe()
