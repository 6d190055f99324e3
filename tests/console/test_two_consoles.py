"""Outage mode, proof 2: two consoles (real processes) edit the same incidents through one standalone simulator, and
every stale write ends as a merge or a visible conflict — never silently overwritten.

Both consoles load the incidents at the same versions, then (on "GO", at once) each runs its script of edits through
the detail panel. On every incident one of them writes first; the other's write is stale (412):
- different fields (priority vs assignee; a comment vs an assignee) merge: the server ends with both changes, and
  the stale console's timeline says ``sync_merged``;
- the same field (two assignees, two priorities, two workflow moves) is an open conflict in the losing console's
  store, counted in its Conflicts dock; the server keeps the winner's value.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from services.store.database import open_store
from tests.support.child_process import Child, console_env, driver_args, standalone_simulator
from tests.support.outbox_audit import read_server, server_comments

START_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 120.0
EDITABLE_STATES = ("acknowledged", "dispatched", "on_scene")  # an operator may assign and set priorities
MARKER = r"T[AB]\d{2}Z"


@dataclass(frozen=True)
class Clash:
    """What the two consoles do to one incident: console A's step and console B's step."""

    server_id: str
    a: dict
    b: dict
    merges: bool  # different fields: expected to merge; else the same field: one conflict

    def step(self, console: str) -> dict:
        return {**(self.a if console == "A" else self.b), "incident": self.server_id}


def _field(step: dict) -> tuple[str, str | None]:
    """The incident field a step changes and the value it sets (a comment changes none)."""
    action = step["action"]
    if action == "assign":
        return "assignee", step["assignee"]
    if action == "set_priority":
        return "priority", step["priority"]
    if action == "comment":
        return "comment", None
    return "workflow_state", {"arrive": "on_scene", "hold": "on_hold"}[action]


def _clashes(url: str) -> list[Clash]:
    records = requests.get(f"{url}/open311/v2/requests.json", timeout=30).json()
    moving = next(r for r in records if r["workflow_state"] == "dispatched")  # arrive and hold both allowed
    targets = [r for r in records if r["workflow_state"] in EDITABLE_STATES and r is not moving][:4] + [moving]
    assert len(targets) == 5, [r["workflow_state"] for r in records]
    p = [r["priority"] for r in targets]
    other = [[q for q in ("P1", "P2", "P3", "P4") if q != prio] for prio in p]
    ids = [r["service_request_id"] for r in targets]
    return [
        Clash(ids[0], {"action": "set_priority", "priority": other[0][0], "marker": "TA01Z"},
              {"action": "assign", "assignee": "team B-1", "marker": "TB01Z"}, merges=True),
        Clash(ids[1], {"action": "assign", "assignee": "team A-2", "marker": "TA02Z"},
              {"action": "assign", "assignee": "team B-2", "marker": "TB02Z"}, merges=False),
        Clash(ids[2], {"action": "set_priority", "priority": other[2][0], "marker": "TA03Z"},
              {"action": "set_priority", "priority": other[2][1], "marker": "TB03Z"}, merges=False),
        Clash(ids[3], {"action": "comment", "marker": "TA04Z"},
              {"action": "assign", "assignee": "team B-4", "marker": "TB04Z"}, merges=True),
        Clash(ids[4], {"action": "arrive", "marker": "TA05Z"},
              {"action": "hold", "marker": "TB05Z"}, merges=False),
    ]


@pytest.fixture
def consoles(tmp_path: Path) -> Iterator[tuple[str, list[Clash], dict[str, Child]]]:
    """The simulator, the script of clashes, and consoles A and B loaded and waiting for GO."""
    env = console_env(tmp_path / "keyring.json")
    with standalone_simulator(env, tmp_path) as url:
        clashes = _clashes(url)
        children: dict[str, Child] = {}
        try:
            for name in ("A", "B"):
                script = tmp_path / f"script-{name}.json"
                script.write_text(json.dumps([c.step(name) for c in clashes]), encoding="utf-8")
                children[name] = Child(driver_args(tmp_path / name, url, "--script", str(script)), env,
                                       tmp_path / f"console-{name}.stderr", stdin=True)
            for child in children.values():
                assert child.wait_for(lambda line: line == "LOADED", START_TIMEOUT_S), child.describe()
            yield url, clashes, children
        finally:
            for child in children.values():
                child.close()


def _merged_incidents(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [sid for (sid,) in con.execute(
            "SELECT i.server_id FROM incident_events AS e JOIN incidents AS i ON i.id = e.incident_id "
            "WHERE e.kind = 'sync_merged'")]
    finally:
        con.close()


def test_stale_writes_merge_or_become_visible_conflicts(  # type: ignore[no-untyped-def]
        consoles, tmp_path: Path) -> None:
    url, clashes, children = consoles
    for child in children.values():
        child.send("GO\n")
    shown: dict[str, int] = {}
    for name, child in children.items():
        line = child.wait_for(lambda text: text.startswith(("DRAINED", "TIMEOUT", "FATAL")), DRAIN_TIMEOUT_S)
        assert line is not None and line.startswith("DRAINED"), f"console {name}: {child.describe()}"
        assert child.proc.wait(timeout=30) == 0, child.describe()
        confirmed = [text.split()[2] for text in child.lines if text.startswith("CONFIRMED")]
        assert len(confirmed) == len(clashes), f"console {name} confirmed {confirmed}"
        shown[name] = int(line.split()[1])
        counts = [int(text.split()[1]) for text in child.lines if text.startswith("CONFLICTS")]
        assert counts and counts[-1] == shown[name], (name, counts, shown[name])

    conflicts, merged = {}, {}
    for name in children:
        store = open_store(tmp_path / name / "demo" / "console.sqlite3")
        try:
            views = store.open_conflicts()
        finally:
            store.close()
        conflicts[name] = {view.server_id: view for view in views}
        assert len(conflicts[name]) == len(views), f"console {name}: more than one conflict on an incident"
        merged[name] = _merged_incidents(tmp_path / name / "demo" / "console.sqlite3")
        assert shown[name] == len(conflicts[name]), f"console {name}: dock shows {shown[name]}, store has " \
                                                    f"{sorted(conflicts[name])}"

    server = read_server(url)
    on_server = server.changes(MARKER)
    records = {r["service_request_id"]: r for r in server.requests}
    for clash in clashes:
        record = records[clash.server_id]
        losers = [name for name in children if clash.server_id in conflicts[name]]
        mergers = [name for name in children if clash.server_id in merged[name]]
        where = f"incident {clash.server_id} ({clash.a['action']} vs {clash.b['action']}): conflicts in " \
                f"{losers}, merges in {mergers}, server {record['workflow_state']} {record['priority']} " \
                f"{record['assignee']}"
        if clash.merges:
            assert losers == [], where
            for step in (clash.a, clash.b):  # both changes reached the server, once
                field, value = _field(step)
                if field == "comment":
                    texts = server_comments(url, clash.server_id)
                    assert sum(step["marker"] in text for text in texts) == 1, (where, texts)
                else:
                    assert record[field] == value, where
                    assert on_server[step["marker"]] == 1, (where, step["marker"], on_server[step["marker"]])
            if clash.a["action"] == "comment":
                # A comment is never stale (no If-Match); the assignee merges only when the comment came first.
                assert mergers in ([], ["B"]), where
            else:
                assert len(mergers) == 1, where  # the stale writer merged
        else:
            assert len(losers) == 1, where
            loser, winner = losers[0], "B" if losers[0] == "A" else "A"
            field, _value = _field(clash.a)
            view = conflicts[loser][clash.server_id]
            assert field in view.conflicting, (where, view)
            mine = next(f.mine for f in view.fields if f.field == field)
            assert mine == _field(clash.step(loser))[1], (where, view)  # my value kept for a person to decide
            assert record[field] == _field(clash.step(winner))[1], where  # the winner's value on the server
            assert on_server[clash.step(winner)["marker"]] == 1, where
            assert on_server[clash.step(loser)["marker"]] == 0, where
        print(f"{where}; open conflict fields: "
              f"{[conflicts[n][clash.server_id].conflicting for n in losers]}")
        for name in children:  # nothing silently overwritten: the server has my value, or a conflict keeps it
            field, value = _field(clash.step(name))
            kept = clash.server_id in conflicts[name]
            assert field == "comment" or record[field] == value or kept, f"console {name} lost its edit: {where}"
    assert sum(len(c) for c in conflicts.values()) == sum(not c.merges for c in clashes)
