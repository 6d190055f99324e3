"""The ``pao://`` URL scheme: the map page and its assets (``pao://app/...``) and basemap tiles (``pao://tiles/...``).

Serving the page through our own scheme (rather than ``file://`` or ``setHtml``) lets the profile turn off file
access entirely and lets the request interceptor treat anything that is not ``pao://`` as a remote request to block.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject, Signal
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)
from shiboken6 import isValid

from maps.bridge_protocol import APP_HOST, SCHEME, TILE_HOST
from services.log_values import capped

logger = logging.getLogger(__name__)

TileReply = Callable[[bytes | None], None]
TileProvider = Callable[[int, int, int, TileReply], None]

QWEBCHANNEL_RESOURCE = ":/qtwebchannel/qwebchannel.js"
_TILE_PATH = re.compile(r"^/(\d{1,2})/(\d{1,7})/(\d{1,7})\.png$")
_MIME = {
    ".html": b"text/html",
    ".js": b"text/javascript",
    ".css": b"text/css",
    ".png": b"image/png",
    ".svg": b"image/svg+xml",
    ".json": b"application/json",
}


def register_scheme() -> None:
    """Declare ``pao://`` to QtWebEngine. Must run before the QApplication exists; calling it again is harmless."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    # Secure: the page is a secure context. CORS: the page (host "app") may read tiles from host "tiles".
    # Not LocalScheme: with LocalContentCanAccessFileUrls off, a local-scheme page cannot load its own scripts.
    # Remote access is cut by the page's Content-Security-Policy and the profile's request interceptor instead.
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme | QWebEngineUrlScheme.Flag.CorsEnabled)
    QWebEngineUrlScheme.registerScheme(scheme)


def resolve_inside(root: Path, rel: str) -> Path | None:
    """``root / rel`` if it stays inside ``root`` and names a file, else None (refuses ``..`` and absolute paths)."""
    if not rel or "\\" in rel or "\0" in rel:
        return None
    root = root.resolve()
    candidate = (root / rel.lstrip("/")).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


class _FileRead(QObject):
    """Carries a finished file read from the reader thread back to the UI thread (queued connection)."""

    sig_read_finished = Signal(object, object)
    """(job, bytes | None): a file read for ``job`` finished."""


class PaoSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``pao://app/<path>`` from ``page_dir`` (the built page) then ``web_root`` (our scripts and the
    vendored libraries), and ``pao://tiles/{z}/{x}/{y}.png`` through ``tile_provider``."""

    def __init__(self, page_dir: Path, web_root: Path, tile_provider: TileProvider | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._roots = (Path(page_dir), Path(web_root))
        self._tile_provider = tile_provider
        self._cache: dict[str, bytes] = {}
        self._closed = False
        # Files are read off the UI thread (the rule: the UI thread never touches the disk); each asset is read
        # once per view and then served from memory.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="map-assets")
        self._read = _FileRead(self)
        self._read.sig_read_finished.connect(self._on_read_finished)
        self.tile_requests = 0

    def set_tile_provider(self, provider: TileProvider | None) -> None:
        """Replace the tile provider (None: every tile is a 404 and the map shows its plain background)."""
        self._tile_provider = provider

    def close(self) -> None:
        """Stop answering; late tile replies and file reads are dropped."""
        self._closed = True
        self._reader.shutdown(wait=False, cancel_futures=True)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        url = job.requestUrl()
        if self._closed or bytes(job.requestMethod().data()) != b"GET":
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        host, path = url.host(), url.path()
        if host == APP_HOST:
            self._serve_app(job, path)
        elif host == TILE_HOST:
            self._serve_tile(job, path)
        else:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)

    # -- app assets -------------------------------------------------------------------------------------------

    def _serve_app(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        rel = path.lstrip("/")
        if rel == "qwebchannel.js":
            resource = QFile(QWEBCHANNEL_RESOURCE)  # Qt's compiled-in resource: memory, not disk
            if not resource.open(QIODevice.OpenModeFlag.ReadOnly):
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
                return
            data = bytes(resource.readAll().data())
            resource.close()
            self._reply(job, rel, data)
            return
        if rel in self._cache:
            self._reply(job, rel, self._cache[rel])
            return
        future = self._reader.submit(self._read_file, rel)
        future.add_done_callback(lambda f, job=job, rel=rel: self._emit_read(job, rel, f))

    def _read_file(self, rel: str) -> bytes | None:
        for root in self._roots:
            found = resolve_inside(root, rel)
            if found is not None:
                return found.read_bytes()
        return None

    def _emit_read(self, job: QWebEngineUrlRequestJob, rel: str, future: Future) -> None:
        data = None if future.cancelled() or future.exception() else future.result()
        if not self._closed:
            self._read.sig_read_finished.emit(job, (rel, data))

    def _on_read_finished(self, job: QWebEngineUrlRequestJob, result: tuple[str, bytes | None]) -> None:
        rel, data = result
        if self._closed or not isValid(job):
            return  # the page went away (or the request was cancelled) while the file was read
        if data is None:
            logger.warning("map page asked for a missing or refused path: %s", capped(rel))  # the page's to choose
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self._cache[rel] = data
        self._reply(job, rel, data)

    # -- tiles ------------------------------------------------------------------------------------------------

    def _serve_tile(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        match = _TILE_PATH.match(path)
        provider = self._tile_provider
        if match is None or provider is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        z, x, y = (int(g) for g in match.groups())
        if x >= 1 << z or y >= 1 << z:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self.tile_requests += 1
        # QtWebEngine owns the job and deletes it when the request is cancelled (the map moved on, the page went):
        # its destroyed signal is the reliable word on that, so a late answer never touches a deleted job.
        alive = [True]
        job.destroyed.connect(lambda *_: alive.__setitem__(0, False))

        def reply(data: bytes | None) -> None:
            # Called later on the UI thread by the console's tile cache; the job may be gone by then.
            if self._closed or not alive[0] or not isValid(job):
                return
            if not data:
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            else:
                self._reply(job, "tile.png", data)

        try:
            provider(z, x, y, reply)
        except Exception:  # a broken provider must cost a tile, not the page
            logger.exception("tile provider failed for %s/%s/%s", z, x, y)
            reply(None)

    @staticmethod
    def _reply(job: QWebEngineUrlRequestJob, name: str, data: bytes) -> None:
        buffer = QBuffer(job)  # owned by the job: freed with it, alive as long as the job reads it
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(_MIME.get(Path(name).suffix.lower(), b"application/octet-stream"), buffer)
