"""The local SQLite store (SQLAlchemy 2 + Alembic). Qt-free; see :mod:`services.store.store` for threading."""

from services.store.database import open_store
from services.store.feed_state import FeedState
from services.store.rows import AirLatest, IncidentRow, IngestSummary, RiverLatest, StoredRejection
from services.store.store import Store

__all__ = [
    "AirLatest",
    "FeedState",
    "IncidentRow",
    "IngestSummary",
    "RiverLatest",
    "Store",
    "StoredRejection",
    "open_store",
]
