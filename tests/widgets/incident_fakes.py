"""Plain stand-ins for the store's QueueRow / IncidentDetail and a fake page fetcher, for the incident widget tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 14:00 in Bangkok
HOSTILE = '<img src=x onerror=alert(1)> <b>bold</b> สถานี'


@dataclass
class Row:
    id: int
    server_id: str | None = None
    category: str = "road"
    service_name: str = "ถนนชำรุด"
    priority: str = "P3"
    status: str = "open"
    state: str = "new"
    district_code: str | None = "5001"
    requested_at: datetime | None = T0 - timedelta(hours=1)
    expected_at: datetime | None = T0 + timedelta(hours=3)
    assignee: str | None = None
    source: str = "hotline"
    pending: int = 0
    lat: float | None = 18.79
    lon: float | None = 98.98
    sla_paused_since: datetime | None = None
    sla_remaining_s: float | None = None
    distance_m: float = 0.0


@dataclass
class Event:
    id: int
    kind: str
    actor: str
    at: datetime
    before: Any = None
    after: Any = None


@dataclass
class Attachment:
    id: int
    kind: str
    filename: str
    media_type: str = "image/png"
    size: int = 100
    created_at: datetime = T0
    thumbnail: bytes | None = None


@dataclass
class Link:
    other_id: int
    kind: str
    created_at: datetime = T0


@dataclass
class Detail(Row):
    description: str = "น้ำท่วมขัง"
    address: str = "ถนนห้วยแก้ว"
    reporter_name: str = "สมชาย"
    reporter_contact: str = "081-000-0000"
    events: list[Event] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


class FakeFetcher:
    """Records each fetch; answers when told (``answer``) or at once (``immediate``)."""

    def __init__(self, immediate: bool = False) -> None:
        self.immediate = immediate
        self.calls: list[tuple[list[int], Callable[[Sequence[Any]], None]]] = []

    def __call__(self, ids: list[int], done: Callable[[Sequence[Any]], None]) -> None:
        self.calls.append((list(ids), done))
        if self.immediate:
            done([Row(id=i) for i in ids])

    def answer(self, index: int = -1, *, drop: set[int] | None = None) -> None:
        ids, done = self.calls[index]
        done([Row(id=i) for i in ids if i not in (drop or set())])
