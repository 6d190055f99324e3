"""The local SQLite store (SQLAlchemy 2 + Alembic). Qt-free; see :mod:`services.store.store` for threading."""

from services.store.database import open_store
from services.store.feed_state import FeedState
from services.store.incident_rows import (
    AttachmentMeta,
    IncidentDetail,
    IncidentDraft,
    IncidentEvent,
    IncidentLink,
    OutboxEntry,
    QueueFilter,
    QueueRow,
    QueueSort,
    Reporter,
)
from services.store.rows import AirLatest, IncidentRow, IngestSummary, RiverLatest, StoredRejection
from services.store.store import Store

__all__ = [
    "AirLatest",
    "AttachmentMeta",
    "FeedState",
    "IncidentDetail",
    "IncidentDraft",
    "IncidentEvent",
    "IncidentLink",
    "IncidentRow",
    "OutboxEntry",
    "QueueFilter",
    "QueueRow",
    "QueueSort",
    "Reporter",
    "IngestSummary",
    "RiverLatest",
    "Store",
    "StoredRejection",
    "open_store",
]
