"""Load a saved feed payload into the store: catch-up from a file during an outage. Qt-free; used by the CLI.

The whole file is read (up to :data:`MAX_IMPORT_BYTES`) and parsed before the store is touched, so a file that is
not of the named kind, or too large, stores nothing. The parsers are the sync service's, with the same checks.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds import air4thai, firms, geojson, open311, thaiwater
from services.import_kinds import IMPORT_KINDS
from services.records import ParseResult
from services.store.store import Store

MAX_ERRORS_REPORTED = 200

#: The largest file the import reads. Real payloads are far smaller (a province's district polygons are a few MB,
#: a national FIRMS day or a month of Open311 requests tens of MB); a file past it is refused before it is parsed,
#: and reading stops there, so an endless source (/dev/zero behind a pipe) cannot fill memory.
MAX_IMPORT_BYTES = 256 * 1024 * 1024

_READ_CHUNK = 1024 * 1024


class ImportFileError(OSError):
    """The file cannot be used as an import source at all (a device, a directory, too large); the message says why."""


@dataclass(slots=True)
class ImportSummary:
    """The one-line JSON summary the import command prints."""

    kind: str
    accepted: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)  # why records were rejected (the first MAX_ERRORS_REPORTED)
    detail: str | None = None  # e.g. the Open311 document type, the boundary layer
    notes: list[str] = field(default_factory=list)  # fields dropped from records that were accepted

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "accepted": self.accepted, "rejected": self.rejected,
                               "errors": self.errors, "notes": self.notes}
        if self.detail:
            out["detail"] = self.detail
        return out


def parse_file(kind: str, body: bytes) -> tuple[ParseResult[Any], str, str | None]:
    """Parse ``body`` as ``kind``. Returns (result, store method name, detail).

    Raises MalformedPayload / WrongPayloadKind."""
    if kind == "air4thai":
        return air4thai.parse_latest(body), "ingest_air", None
    if kind == "air4thai-history":
        return air4thai.parse_history(body), "ingest_air", None
    if kind == "firms":
        return firms.parse_area_csv(body), "ingest_hotspots", None
    if kind == "thaiwater":
        return thaiwater.parse_waterlevel(body), "ingest_river", None
    if kind == "geojson":
        return geojson.parse_boundaries(body), "ingest_boundaries", None
    if kind == "open311":
        doc_kind = open311.detect_kind(body)
        if doc_kind == "services":
            return open311.parse_services(body), "ingest_services", "services"
        if doc_kind == "requests":
            return open311.parse_requests(body), "ingest_service_requests", "requests"
        return open311.parse_request_updates(body), "ingest_request_updates", "updates"
    raise ValueError(f"unknown import kind {kind!r}; use one of {', '.join(IMPORT_KINDS)}")


def read_import_file(path: Path, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The bytes of ``path``, read without ever holding more than ``limit`` + 1 bytes.

    A regular file or a pipe (``<(curl …)``, a FIFO) is read; a directory or a device (``/dev/zero``, a terminal)
    is refused. The file is opened non-blocking, so a FIFO nobody writes to reads as empty instead of hanging the
    command in ``open``. Raises :class:`ImportFileError` with the reason, or the ``OSError`` of the failed call.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ImportFileError(errno.EISDIR, "is a directory, not a file")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            raise ImportFileError(errno.EINVAL, "is a device, not a file; save the payload to a file first")
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise ImportFileError(errno.EFBIG, f"is {_size(info.st_size)}; the import reads files up to {_size(limit)}")
        os.set_blocking(fd, True)  # a writer that is slow to start is waited for, as `cat` would
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise ImportFileError(errno.EFBIG, f"goes on past {_size(limit)}, the most the import reads")
    finally:
        os.close(fd)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MiB" if count >= 1024 * 1024 else f"{count} bytes"


def import_file(
    open_store: Callable[[], Store],
    kind: str,
    path: Path,
    *,
    layer: str = "districts",
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> ImportSummary:
    """Parse ``path`` as ``kind`` and ingest it. ``open_store`` is called only once the file has parsed.

    Raises OSError when the file cannot be read (:class:`ImportFileError` when it is not a usable source at all) and
    MalformedPayload / WrongPayloadKind when it is not that kind; store failures are the store's ``StoreError``.
    """
    body = read_import_file(path)
    try:
        result, method, detail = parse_file(kind, body)
    except WrongPayloadKind:
        raise
    except MalformedPayload as exc:
        raise MalformedPayload(f"{path.name} is not a usable {kind} file: {exc}") from exc
    summary = ImportSummary(kind, accepted=len(result.records), rejected=len(result.rejected),
                            errors=[str(r) for r in result.rejected[:MAX_ERRORS_REPORTED]],
                            detail=layer if kind == "geojson" else detail,
                            notes=[str(n) for n in result.notes[:MAX_ERRORS_REPORTED]])
    if result.records:
        store = open_store()
        try:
            if kind == "geojson":
                store.ingest_boundaries(layer, result.records)
            elif method == "ingest_request_updates":
                _, orphans = store.ingest_request_updates(result.records)
                _reject_orphans(summary, orphans)
            else:
                getattr(store, method)(result.records)
        finally:
            store.close()
    if on_record is not None:
        for record in result.records:
            on_record(_record_json(record))
    return summary


def _reject_orphans(summary: ImportSummary, orphans: list[Any]) -> None:
    """Updates for incidents the store does not hold are reported as rejected, not silently dropped."""
    summary.accepted -= len(orphans)
    summary.rejected += len(orphans)
    for update in orphans[: max(0, MAX_ERRORS_REPORTED - len(summary.errors))]:
        summary.errors.append(f"update {update.update_id}: service request {update.service_request_id} is not in the "
                              "store; import or sync the requests first")


def _record_json(record: Any) -> dict[str, Any]:
    to_json = getattr(record, "to_json", None)
    if to_json is not None:
        return to_json()
    # Records without a published print form (Open311 services and updates): their fields, times as ISO UTC.
    from dataclasses import asdict

    from services.records import iso_utc

    out = {}
    for key, value in asdict(record).items():
        if hasattr(value, "astimezone"):
            value = iso_utc(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out
