"""The outbox drain, Qt-free: queued local edits go to the backend one at a time, in order.

A drain turn is three steps, each for its own thread, as :class:`services.sync.sync_service.SyncService` splits a
poll (console.outbox_controller runs them there):

1. :func:`take_next` (database worker): the next pending entry, and the outbox's counts for the status bar;
2. :func:`send` (the ``backend`` network lane): the writer sends it, within one deadline;
3. :func:`record_outcome` (database worker): the store takes the outcome. A refused update is first merged field by
   field with the server's record (services.store.conflicts): a clean merge is queued again and the drain goes on;
   a link op refused only as stale (412) goes again on the server's current versions; anything else waits as a
   conflict for a person.

:func:`drain_step` runs the three in a row, for benchmarks, tests and the command line. :class:`DrainBackoff` decides
what the drain does after each entry. A failure to reach the backend stops the drain, which tries again after a wait;
nothing is lost, because the entry stays pending in the store until the server has it.

Alert entries (services.store.alert_outbox: alerts raised, updated and cleared, acknowledgements, silences) are
drained by the same three steps: :func:`take_next` gives the older of the two heads (the incident outbox's first
sendable entry and the alert outbox's first pending one; the incident's on a tie), :func:`send` hands an alert entry
to services.alert_writer, and :func:`record_outcome` records it with services.store.alert_outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.records import LINKED_RECORDS_KEY
from services.workflow import LINK_ACTIONS, role_of_actor

if TYPE_CHECKING:
    from services.incident_writer import IncidentWriter, WriteOutcome
    from services.store.store import Store

RETRY_FIRST_S = 5.0
RETRY_MAX_S = 120.0


@dataclass(frozen=True, slots=True)
class NextEntry:
    """What :func:`take_next` found: the entry to send (None: nothing pending) and the outbox's counts per state."""

    entry: Any  # services.store.outbox.OutboxEntry | None
    counts: dict[str, int]

    @property
    def pending(self) -> int:
        return self.counts.get("pending", 0)


@dataclass(frozen=True, slots=True)
class DrainedEntry:
    """One turn of :func:`drain_step`: the entry sent, what the writer made of it, and the outcome recorded."""

    entry: Any
    outcome: WriteOutcome
    kind: str


def take_next(store: Store) -> NextEntry:
    """Database worker: the next entry to send (if any) and the outbox's counts, in one task."""
    entries = store.outbox_pending(1)
    entry = entries[0] if entries else None
    alert = store.alert_outbox_next()
    if alert is not None and (entry is None or (alert.created_at is not None and entry.created_at is not None
                                                and alert.created_at < entry.created_at)):
        entry = alert
    return NextEntry(entry, store.outbox_states())


def send(writer: IncidentWriter, entry: Any) -> WriteOutcome:
    """Network lane ``backend``: send one entry (the writer never raises for the backend's answers)."""
    from services import alert_writer

    if alert_writer.is_alert_entry(entry):
        return alert_writer.send(writer, entry)
    return writer.send(entry)


def record_outcome(store: Store, entry: Any, outcome: WriteOutcome, role: str | None = None) -> str:
    """Database worker: write the outcome of sending ``entry`` to the store; returns the outcome kind ("merged"
    when a refused update merged cleanly with the server's record and is queued again). ``role`` is the acting
    role, for an entry whose author's role is not known: a merge re-sends only what that role may do."""
    from services import alert_writer

    if alert_writer.is_alert_entry(entry):
        return store.alert_outbox_record(entry, outcome.kind, outcome.answer, outcome.error)
    role = role_of_actor(getattr(entry, "actor", None)) or role
    if outcome.kind in ("sent", "local"):
        store.outbox_mark_sent(entry.id, outcome.record)
    elif outcome.kind == "conflict" and entry.op == "update" and outcome.record is not None:
        return store.merge_or_conflict(entry.id, outcome.record, outcome.error or "conflict", role=role)
    elif outcome.kind == "conflict" and entry.op in LINK_ACTIONS and outcome.stale and outcome.record is not None:
        # A link changes no field: on a stale version (412) it goes again on the server's current ones.
        linked = outcome.record.extra.get(LINKED_RECORDS_KEY) or ()
        return store.outbox_rebase_links(entry.id, [outcome.record, *linked], outcome.error or "stale")
    elif outcome.kind == "conflict":
        store.outbox_mark_conflict(entry.id, outcome.record, outcome.error or "conflict")
    elif outcome.kind == "rejected":
        store.outbox_mark_failed(entry.id, outcome.error or "rejected", retry=False, server_record=outcome.record)
    else:
        store.outbox_mark_failed(entry.id, outcome.error or "will retry", retry=True)
    return outcome.kind


def drain_step(store: Store, writer: IncidentWriter, role: str | None = None) -> DrainedEntry | None:
    """Take, send and record the next entry on this thread; None when nothing is pending."""
    entry = take_next(store).entry
    if entry is None:
        return None
    outcome = send(writer, entry)
    return DrainedEntry(entry, outcome, record_outcome(store, entry, outcome, role))


class DrainBackoff:
    """When the drain goes on and how long it waits after stopping.

    After an entry is recorded the drain sends the next one at once, unless the outcome was "retry" (the backend
    could not be reached, or answered with a 5xx): then it stops and tries again after a wait that starts at
    ``first_s`` and doubles up to ``max_s`` while it keeps failing. A success, an empty outbox or a reconnect (the
    backend answered a feed poll) starts the wait from ``first_s`` again.
    """

    def __init__(self, first_s: float = RETRY_FIRST_S, max_s: float = RETRY_MAX_S) -> None:
        self.first_s = first_s
        self.max_s = max_s
        self._delay_s = first_s

    @property
    def delay_s(self) -> float:
        """The wait the next stop would take."""
        return self._delay_s

    def after(self, kind: str) -> float | None:
        """The drain's move after an entry was recorded as ``kind``: None to send the next entry now, else stop and
        try again in that many seconds."""
        if kind == "retry":
            return self.failed()
        self.reset()
        return None

    def failed(self) -> float:
        """The drain stopped on a failure: the seconds to wait before it tries again (the next wait doubles)."""
        delay, self._delay_s = self._delay_s, min(self._delay_s * 2, self.max_s)
        return delay

    def reset(self) -> None:
        self._delay_s = self.first_s
