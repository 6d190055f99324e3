"""Files uploaded to simulated requests (the media extension): the bytes, their metadata, and the upload rules.

The rules are the backend's, so a client meets them as it would on a real deployment: at most
:data:`MAX_MEDIA_BYTES` per file (413 above), only the types in :data:`MEDIA_TYPES` (415 otherwise), a ``kind`` from
:data:`MEDIA_KINDS`. Everything is kept in memory, like the rest of the simulator's state.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.simulator.incident_fields import IncidentError
from services.simulator.timefmt import w3c

MAX_MEDIA_BYTES = 20 * 1024 * 1024  # the console refuses bigger attachments before they are stored
MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif",
                         "application/pdf"})
MEDIA_KINDS = ("photo", "after_photo", "file")  # the console's attachment kinds
MAX_FILENAME = 255


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """One uploaded file on one request."""

    media_id: str
    service_request_id: str
    filename: str
    content_type: str
    kind: str
    sha256: str
    uploaded_at: datetime
    url: str
    data: bytes = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """The public description (everything but the bytes, which are at ``url``)."""
        return {"media_id": self.media_id, "service_request_id": self.service_request_id, "filename": self.filename,
                "content_type": self.content_type, "size": len(self.data), "sha256": self.sha256,
                "kind": self.kind, "uploaded_at": w3c(self.uploaded_at), "url": self.url}


def clean_filename(raw: str | None) -> str:
    """The file's own name, without any directory a client sent along (never a path on the server anyway)."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f")[:MAX_FILENAME]
    return name or "upload"


def check_upload(content_type: str | None, size: int, kind: str) -> None:
    """Refuse what the backend would not take: 400 (empty file, unknown kind), 413 (too big), 415 (type)."""
    if kind not in MEDIA_KINDS:
        raise IncidentError(400, f"kind must be one of {MEDIA_KINDS}")
    if size == 0:
        raise IncidentError(400, "the media file is empty")
    if size > MAX_MEDIA_BYTES:
        raise IncidentError(413, f"the media file is {size} bytes; the limit is {MAX_MEDIA_BYTES} bytes")
    if content_type not in MEDIA_TYPES:
        raise IncidentError(415, f"content type {content_type or 'none'} is not accepted; "
                                 f"send one of {sorted(MEDIA_TYPES)}")


class MediaStore:
    """Thread-safe uploaded files, by media id and by request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._media: dict[str, StoredMedia] = {}
        self._by_request: dict[str, list[str]] = {}

    def add(self, rid: str, *, filename: str, content_type: str, kind: str, data: bytes, at: datetime,
            url_base: str) -> StoredMedia:
        """Keep one upload (already checked); its id is ``<request id>-m<n>`` and its URL ``url_base + id``."""
        with self._lock:
            ids = self._by_request.setdefault(rid, [])
            media_id = f"{rid}-m{len(ids) + 1}"
            stored = StoredMedia(media_id, rid, filename, content_type, kind, hashlib.sha256(data).hexdigest(), at,
                                 url_base + media_id, bytes(data))
            ids.append(media_id)
            self._media[media_id] = stored
            return stored

    def on_request(self, rid: str) -> list[StoredMedia]:
        """The uploads of one request, oldest first."""
        with self._lock:
            return [self._media[m] for m in self._by_request.get(rid, ())]

    def get(self, media_id: str) -> StoredMedia:
        """One upload (404 when unknown)."""
        with self._lock:
            stored = self._media.get(media_id)
        if stored is None:
            raise IncidentError(404, f"Unknown media_id {media_id!r}")
        return stored
