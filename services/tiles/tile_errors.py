"""Typed errors of the basemap tile services (the console turns them into UI text)."""

from __future__ import annotations

from services.errors import ServiceError


class TileError(ServiceError):
    """Base class of the tile errors."""


class TileFetchFailed(TileError):
    """One tile could not be fetched; ``status`` is the HTTP status when the server answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TileSourceUnavailable(TileFetchFailed):
    """The tile server could not be reached (refused, reset, timed out), or could not deliver a tile's body (it
    trickled past the deadline or broke off). The fetcher pauses before trying again."""


class TileRateLimited(TileFetchFailed):
    """The tile server asked us to slow down (429, or 503 with Retry-After); every request pauses ``retry_after_s``."""

    def __init__(self, message: str, status: int, retry_after_s: float) -> None:
        super().__init__(message, status)
        self.retry_after_s = retry_after_s


class TileSourcePaused(TileFetchFailed):
    """Not sent: the fetcher is still pausing after a rate limit or an unreachable server (``retry_in_s`` left)."""

    def __init__(self, message: str, retry_in_s: float) -> None:
        super().__init__(message)
        self.retry_in_s = retry_in_s


class PrefetchRefused(TileError, ValueError):
    """A "save area for offline" request beyond the limits (too many tiles, too deep a zoom, no tile source)."""
