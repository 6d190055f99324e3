"""Typed errors raised by the Qt-free services. The console turns them into UI text; nothing here is UI text."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class of every error the services raise on purpose."""


# --- feeds -----------------------------------------------------------------------------------------------------


class FeedError(ServiceError):
    """A feed call failed; the last good data stays in the store."""


class FeedUnavailable(FeedError):
    """The server could not be reached, or kept failing after the retries (connection refused, reset, timeout, 5xx)."""


class DeadlineExceeded(FeedUnavailable):
    """The whole call (retries and body included) took longer than its overall deadline."""


class FeedNotConfigured(FeedError):
    """The feed cannot be asked yet: a setting or secret it needs is missing (the message says which)."""


class FeedHTTPError(FeedError):
    """The server answered with an HTTP error status that retrying will not fix."""

    def __init__(self, status: int, message: str, *, body: bytes = b"", etag: str | None = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = body  # e.g. the current record that comes with a 412, for merging
        self.etag = etag


class MalformedPayload(FeedError):
    """The body is not a usable payload of the expected kind (HTML error page, 'Invalid MAP_KEY.', truncated JSON)."""


class WrongPayloadKind(MalformedPayload):
    """The payload is well-formed but of another kind (a FIRMS CSV handed to the Air4Thai reader, say)."""


# --- store -----------------------------------------------------------------------------------------------------


class StoreError(ServiceError):
    """The local store cannot be used."""


class StoreTooNewError(StoreError):
    """The database was written by a newer console whose migrations this build does not know."""


class StoreCorruptError(StoreError):
    """``PRAGMA quick_check`` reported damage."""


class StoreFullError(StoreError):
    """The disk (or the database's size limit) is full; nothing of the failed transaction was written."""


class StoreIOError(StoreError):
    """The operating system refused a read or write of the store file (a file-size limit, a quota, a failing
    disk); nothing of the failed transaction was written."""


class StoreBusyError(StoreError):
    """Another program holds the store locked for longer than the busy timeout."""


class StoreBindingError(StoreError):
    """The store belongs to another backend than the one the console is set to use (services.store.binding).

    ``stored`` and ``wanted`` are :class:`services.backend_identity.BackendIdentity` values (``stored`` is None for
    a store written before stores were bound, which holds unsent edits of an unknown backend); ``unsent`` counts
    the edits waiting in its outboxes (incident edits pending or in conflict, alert entries pending),
    ``incidents`` the incidents it holds."""

    def __init__(self, message: str, *, stored: object, wanted: object, unsent: int, incidents: int) -> None:
        super().__init__(message)
        self.stored = stored
        self.wanted = wanted
        self.unsent = unsent
        self.incidents = incidents
