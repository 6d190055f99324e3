"""Plain frozen dataclasses of the incident workflow: queue filter and sort, queue rows, detail, drafts, outbox.

They cross threads (the console builds filters on the UI thread and reads rows there), so they hold only plain
values: aware UTC datetimes, strings, numbers, tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Sortable queue columns -> the incidents column that orders them (each has a partial (column, id) index).
SORT_COLUMNS: dict[str, str] = {
    "id": "id",
    "category": "service_code",
    "priority": "priority",
    "status": "status",
    "district": "district_code",
    "age": "requested_at",
    "sla": "expected_at",  # the SLA target: the workflow keeps expected_at = target + paused time
    "assignee": "assignee",
    "source": "source",
}

#: Workflow states whose SLA clock has stopped for good: they never count as breaching.
SLA_STOPPED_STATES = ("resolved", "closed", "cancelled")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the queue shows. Every set field narrows the result (AND); None / False / empty means "any".

    ``breaching`` compares the SLA target (``expected_at``) with ``now`` (the current time when None) and leaves out
    paused clocks and stopped states. ``priorities``: only these priorities ("P1".."P4"). ``text`` is a full-text
    search (Thai or English substrings) over description, category name, address, reporter name and server id;
    several words must all match. ``area`` is a polygon ring of
    (lon, lat) points (at least 3; services.map_areas checks the operator's): only incidents inside it, by the map
    page's own rule (services.point_in_polygon), so the queue lists what the map shows.
    """

    status: frozenset[str] | set[str] | None = None
    states: frozenset[str] | set[str] | None = None
    assignee: str | None = None
    unassigned: bool = False
    breaching: bool = False
    priorities: frozenset[str] | set[str] | None = None
    district: str | None = None
    category: str | None = None
    text: str | None = None
    now: datetime | None = None
    area: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True, slots=True)
class QueueSort:
    """Queue order: one of :data:`SORT_COLUMNS`; ties by age (requested_at) then id, in the same direction."""

    column: str = "age"
    descending: bool = True


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One incident as the queue table shows it. ``distance_m`` is set only by duplicate searches. ``major``: a major
    incident (``children``: how many are attached to it); ``parent_id``: the major incident this one belongs to."""

    id: int
    server_id: str | None
    category: str | None
    service_name: str | None
    priority: str | None
    status: str
    state: str | None
    district_code: str | None
    requested_at: datetime | None
    expected_at: datetime | None
    sla_paused_s: int
    sla_paused_since: datetime | None
    resumed_state: str | None
    assignee: str | None
    source: str | None
    pending: bool
    lat: float | None
    lon: float | None
    description: str | None = None
    distance_m: float | None = None
    major: bool = False
    parent_id: int | None = None
    children: int = 0


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    """One timeline entry: ``before`` / ``after`` are the changed fields (JSON objects) or None."""

    id: int
    incident_id: int
    kind: str
    actor: str | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AttachmentMeta:
    """An attachment without its data (fetch that with ``Store.attachment_data``)."""

    id: int
    incident_id: int
    kind: str  # photo | after_photo | file
    filename: str
    media_type: str | None
    sha256: str
    size: int
    thumbnail: bytes | None  # PNG <= 160 px, None when the file is not an image
    created_at: datetime
    actor: str | None
    server_url: str | None
    synced: bool


@dataclass(frozen=True, slots=True)
class IncidentLink:
    """A link from the shown incident to another one: 'merged' (the other was merged into this one, or this one
    into the other when ``direction`` is 'into'), 'related', or 'parent' (the other is a child of this major
    incident, or this one's major incident when ``direction`` is 'into'). ``other_server_id`` / ``other_state``
    describe the other incident."""

    other_id: int
    kind: str
    direction: str  # "from": other -> this; "into": this -> other
    created_at: datetime
    other_server_id: str | None = None
    other_state: str | None = None


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reported an incident (the incident itself or one merged into it)."""

    incident_id: int
    name: str | None
    contact: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    """Everything about one incident. Events, attachments and reporters include those of incidents merged into it."""

    row: QueueRow
    description: str | None
    address: str | None
    agency: str | None
    media_url: str | None
    reporter_name: str | None
    reporter_contact: str | None
    version: int | None
    local_changes: int
    updated_at: datetime
    merged_into: int | None
    reporters: tuple[Reporter, ...]
    events: tuple[IncidentEvent, ...]
    attachments: tuple[AttachmentMeta, ...]
    links: tuple[IncidentLink, ...]
    major: bool = False  # a major incident (its children are its 'parent' links)

    @property
    def parent_id(self) -> int | None:
        """The major incident this one belongs to, if any."""
        return next((link.other_id for link in self.links if link.kind == "parent" and link.direction == "into"),
                    None)

    @property
    def child_links(self) -> tuple[IncidentLink, ...]:
        """The children of this major incident."""
        return tuple(link for link in self.links if link.kind == "parent" and link.direction == "from")

    def __getattr__(self, name: str) -> Any:  # detail.priority etc. read through to the row
        if name == "row":  # not set yet (while unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.row, name)


@dataclass(frozen=True, slots=True)
class IncidentDraft:
    """A new incident taken in at the console (intake form or map right-click)."""

    category: str
    priority: str
    description: str
    lat: float | None
    lon: float | None
    source: str  # hotline | walk-in | citizen app | sensor | patrol
    service_name: str | None = None
    address: str | None = None
    district_code: str | None = None
    reporter_name: str | None = None
    reporter_contact: str | None = None
    state: str = "new"
    status: str = "open"
    expected_at: datetime | None = None  # the SLA target, from the workflow's policy
    assignee: str | None = None
    agency: str | None = None
    requested_at: datetime | None = None  # defaults to the creation time
    # Open311 attribute answers for the category (code -> key or text; a list of keys for a multivaluelist).
    # Sent with the create; not incident columns.
    attributes: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One local change waiting to be sent. ``server_id`` is the incident's current one (None before its create).

    ``data`` is the file of an "attachment" entry (the sender has no store access); None for other ops, or when the
    attachment is no longer in the store."""

    id: int
    idempotency_key: str
    incident_id: int
    server_id: str | None
    op: str  # create | update | comment | attachment | merge | split | relate | unrelate | promote | attach | detach
    base_version: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    last_error: str | None = None
    data: bytes | None = field(default=None, repr=False)
    actor: str | None = None  # who made the change ("user (role)"); None for entries queued before 0007
    created_at: datetime | None = None  # when it was made (UTC): sent so the server's SLA clock counts from then
    backend: str | None = None  # the identity key of the backend it was made for (0011; services.store.binding)
    # The other incidents a link op (or a major incident's close) changes, each as (local id, server id, the version
    # to send in If-Match); () for every other op.
    others: tuple[LinkedIncident, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkedIncident:
    """One other incident of an outbox entry: its local id, its server id (None before its create is sent) and the
    version its If-Match names."""

    id: int
    server_id: str | None
    version: int | None
