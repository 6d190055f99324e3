"""``MapView``: the hardened QtWebEngine view of the map page, with the bridge and its typed signals.

The page is built once (``maps/page_build.py``) and loaded from ``pao://app/map.html``; after that every change is
a JSON message (``maps/bridge_protocol.py``). Messages sent before the page says ``ready`` wait in order; after
:meth:`MapView.shutdown` everything, including late query callbacks, is dropped.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEngineCertificateError,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget
from shiboken6 import delete

from maps.bridge import MapBridge
from maps.bridge_protocol import APP_HOST, MAP_BRIDGE_OBJECT, SCHEME
from maps.page_build import PAGE_NAME, web_root
from maps.page_style import page_style
from maps.scheme_handler import PaoSchemeHandler, TileProvider
from services.log_values import capped

page_logger = logging.getLogger("maps.page")
logger = logging.getLogger(__name__)

PAGE_URL = QUrl(f"pao://{APP_HOST}/{PAGE_NAME}")
# Schemes that never leave the page: data: and blob: URLs are built in-page (icons, canvas), not fetched.
_IN_PAGE_SCHEMES = {SCHEME.decode(), "data", "blob"}


class RemoteRequestBlocker(QWebEngineUrlRequestInterceptor):
    """Blocks every request that is not ``pao://`` and counts them (the map must never try)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked = 0
        self.blocked_urls: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt override)
        url = info.requestUrl()
        if url.scheme() in _IN_PAGE_SCHEMES:
            return
        info.block(True)
        self.blocked += 1
        if len(self.blocked_urls) < 50:
            self.blocked_urls.append(url.toString())


class MapPage(QWebEnginePage):
    """No new windows, no navigation away from the page, bad certificates refused, console messages logged."""

    _LEVELS = {
        QWebEnginePage.JavaScriptConsoleMessageLevel.InfoMessageLevel: logging.INFO,
        QWebEnginePage.JavaScriptConsoleMessageLevel.WarningMessageLevel: logging.WARNING,
        QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel: logging.ERROR,
    }

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.dialogs_refused = 0
        self.certificateError.connect(self._on_certificate_error)
        settings = self.settings()
        for attribute, on in (
            (QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False),
            (QWebEngineSettings.WebAttribute.JavascriptCanAccessClipboard, False),
            (QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False),
            (QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False),
            (QWebEngineSettings.WebAttribute.LocalStorageEnabled, False),
            (QWebEngineSettings.WebAttribute.PluginsEnabled, False),
            (QWebEngineSettings.WebAttribute.PdfViewerEnabled, False),
            (QWebEngineSettings.WebAttribute.AllowRunningInsecureContent, False),
            (QWebEngineSettings.WebAttribute.FocusOnNavigationEnabled, False),
        ):
            settings.setAttribute(attribute, on)

    def acceptNavigationRequest(self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType,  # noqa: N802
                                is_main_frame: bool) -> bool:
        target = QUrl(url)
        if (target.scheme(), target.host(), target.path(), target.query()) == (
                PAGE_URL.scheme(), PAGE_URL.host(), PAGE_URL.path(), ""):
            return True
        logger.warning("map page navigation refused: %s", capped(QUrl(url).toString()))
        return False

    # The map never needs a dialog; a dialog raised by injected script would block the operator's window.
    def javaScriptAlert(self, _origin: QUrl, message: str) -> None:  # noqa: N802 (Qt override)
        self.dialogs_refused += 1
        logger.warning("map page alert() refused: %s", capped(message))

    def javaScriptConfirm(self, _origin: QUrl, message: str) -> bool:  # noqa: N802 (Qt override)
        self.dialogs_refused += 1
        logger.warning("map page confirm() refused: %s", capped(message))
        return False

    def javaScriptPrompt(self, _origin: QUrl, message: str, _default: str) -> tuple[bool, str]:  # noqa: N802
        self.dialogs_refused += 1
        logger.warning("map page prompt() refused: %s", capped(message))
        return False, ""

    def createWindow(self, _type: QWebEnginePage.WebWindowType) -> None:  # noqa: N802 (Qt override)
        return None

    def javaScriptConsoleMessage(self, level: QWebEnginePage.JavaScriptConsoleMessageLevel,  # noqa: N802
                                 message: str, line: int, source: str) -> None:
        page_logger.log(self._LEVELS.get(level, logging.INFO), "%s (%s:%d)", capped(message, 2000), capped(source),
                        line)

    @staticmethod
    def _on_certificate_error(error: QWebEngineCertificateError) -> None:
        error.rejectCertificate()


class MapView(QWidget):
    """The map: a QWebEngineView on the built page, its own off-the-record profile, and the bridge."""

    sig_ready = Signal()
    """The page has loaded and connected its bridge; queued messages were flushed."""

    sig_feature_clicked = Signal(str, str)
    """(layer, id): the operator clicked a feature."""

    sig_new_incident_requested = Signal(float, float)
    """(lat, lon): the operator asked for a new incident at this point (right-click)."""

    sig_polygon_drawn = Signal(list)
    """[[lon, lat], ...]: the operator drew a polygon; incidents are filtered to it."""

    sig_polygon_cleared = Signal()
    """The operator removed the drawn polygon."""

    sig_layer_toggled = Signal(str, bool)
    """(layer, visible): a layer was switched on or off in the page's layer control."""

    sig_view_changed = Signal(list, int)
    """([west, south, east, north], zoom): the visible area changed."""

    sig_page_error = Signal(str)
    """The page reported an error or failed to load."""

    def __init__(self, page_dir: Path, tile_provider: TileProvider | None = None,
                 parent: QWidget | None = None, *,
                 alert_colours: Mapping[str, tuple[int, int, int]] | None = None) -> None:
        super().__init__(parent)
        self._page_dir = Path(page_dir)
        self._alert_colours = dict(alert_colours or {})  # severity -> RGB of the alerts layer (the Alerts dock's)
        self._ready = False
        self._closed = False
        self._queue: list[str] = []
        self._replies: dict[int, Callable[[Any], None]] = {}
        self._query_ids = itertools.count(1)

        # A profile without a storage name is off-the-record: no cookies, cache or history on disk.
        self._profile = QWebEngineProfile(self)
        self._blocker = RemoteRequestBlocker(self._profile)
        self._profile.setUrlRequestInterceptor(self._blocker)
        self._scheme_handler = PaoSchemeHandler(self._page_dir, web_root(), tile_provider, self._profile)
        self._profile.installUrlSchemeHandler(SCHEME, self._scheme_handler)
        self._page = MapPage(self._profile, self)
        # Children are destroyed in list order and a profile must outlive its pages: move it to the end.
        self._profile.setParent(None)
        self._profile.setParent(self)
        self._bridge = MapBridge(self._page)
        self._channel = QWebChannel(self._page)
        self._channel.registerObject(MAP_BRIDGE_OBJECT, self._bridge)
        self._page.setWebChannel(self._channel)
        self._view = QWebEngineView(self)
        self._view.setPage(self._page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

        self._bridge.sig_received.connect(self._on_message)
        self._page.loadFinished.connect(self._on_load_finished)

    # -- state -----------------------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once the page said ``ready`` (and until shutdown)."""
        return self._ready and not self._closed

    @property
    def remote_requests_blocked(self) -> int:
        """How many non-``pao://`` requests the page attempted (and were blocked). Should stay 0."""
        return self._blocker.blocked

    @property
    def page(self) -> QWebEnginePage:
        """The web page (tests run JavaScript through it)."""
        return self._page

    @property
    def bridge(self) -> MapBridge:
        """The QWebChannel object."""
        return self._bridge

    @property
    def scheme_handler(self) -> PaoSchemeHandler:
        """The ``pao://`` handler (tile provider, request counts)."""
        return self._scheme_handler

    # -- commands --------------------------------------------------------------------------------------------

    def load(self) -> None:
        """Load the page built in ``page_dir`` (``maps.page_build.build_page``)."""
        self._ready = False
        self._queue.insert(0, json.dumps({"type": "style", **page_style(self._alert_colours)},
                                         ensure_ascii=False))  # before any layer
        self._view.load(PAGE_URL)

    def send(self, message: dict[str, Any]) -> None:
        """Send one protocol message; queued until the page is ready, dropped after shutdown."""
        if self._closed:
            return
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        if self._ready:
            self._bridge.sig_message.emit(text)
        else:
            self._queue.append(text)

    def set_layer(self, layer: str, features: Iterable[dict[str, Any]]) -> None:
        """Replace a layer's features (GeoJSON Features with ``id``)."""
        self.send({"type": "layer.set", "layer": layer, "features": list(features)})

    def diff_layer(self, layer: str, add: Iterable[dict[str, Any]] = (), update: Iterable[dict[str, Any]] = (),
                   remove: Iterable[str] = ()) -> None:
        """Add, update and remove features by id without rebuilding the layer."""
        self.send({"type": "layer.diff", "layer": layer, "add": list(add), "update": list(update),
                   "remove": [str(r) for r in remove]})

    def set_layer_meta(self, layer: str, **meta: Any) -> None:
        """Title, count and freshness (source, last_success, age_s, cadence_s, freshness) for the layer control."""
        self.send({"type": "layer.meta", "layer": layer, **meta})

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        """Show or hide a layer."""
        self.send({"type": "layer.visible", "layer": layer, "visible": visible})

    def select(self, layer: str, feature_id: str | None, max_zoom: int | None = None) -> None:
        """Highlight one feature and pan to it (None clears the selection). ``max_zoom``: zoom in no deeper than this
        (offline, the deepest basemap zoom saved there)."""
        message: dict[str, Any] = {"type": "select", "layer": layer, "id": feature_id}
        if max_zoom is not None:
            message["max_zoom"] = int(max_zoom)
        self.send(message)

    def set_time_window(self, start: str | None, end: str | None) -> None:
        """Show only features whose ``time`` is in [start, end] (ISO 8601 UTC; None = open)."""
        self.send({"type": "time.window", "start": start, "end": end})

    def fit(self, bbox: tuple[float, float, float, float]) -> None:
        """Show [west, south, east, north]."""
        self.send({"type": "view.fit", "bbox": list(bbox)})

    def set_area(self, coordinates: Iterable[Iterable[float]] | None, name: str | None = None) -> None:
        """Draw the incident area filter ([[lon, lat], ...]; None clears it) and filter incidents to it; ``name`` is
        shown as text. Unlike the operator's own drawing, this is not echoed back as ``sig_polygon_drawn``."""
        ring = [[float(v) for v in point] for point in coordinates] if coordinates is not None else None
        self.send({"type": "area.set", "coordinates": ring, "name": name if ring is not None else None})

    def set_basemap(self, url: str, attribution: str, max_zoom: int = 18) -> None:
        """Use the tile template ``url`` (e.g. ``pao://tiles/{z}/{x}/{y}.png``); attribution is shown as text."""
        self.send({"type": "basemap", "url": url, "attribution": attribution, "max_zoom": max_zoom})

    def set_heatmap(self, layer: str, on: bool) -> None:
        """Heatmap mode for ``incidents`` or ``hotspots``."""
        self.send({"type": "layer.heatmap", "layer": layer, "on": on})

    def set_language(self, language: str, strings: dict[str, str]) -> None:
        """Labels for the in-page controls (``th`` or ``en``)."""
        self.send({"type": "language", "language": language, "strings": strings})

    def query(self, what: str, callback: Callable[[Any], None], **args: Any) -> None:
        """Ask the page for ``what`` (``state``, ``dom_text``, ``timing``, ``paint``, ``bench.zoom``) with optional
        arguments; ``callback(result)`` runs later on the UI thread, never after :meth:`shutdown`."""
        if self._closed:
            return
        query_id = next(self._query_ids)
        self._replies[query_id] = callback
        self.send({**args, "type": "query", "id": query_id, "what": what})

    def shutdown(self) -> None:
        """Stop the page and drop queued messages and pending callbacks; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._ready = False
        self._queue.clear()
        self._replies.clear()
        self._scheme_handler.close()
        self._bridge.sig_received.disconnect(self._on_message)
        self._page.loadFinished.disconnect(self._on_load_finished)
        self._view.stop()
        # The page must go before its profile (QtWebEngine warns otherwise), and now rather than on a later event
        # loop turn that may never come (application exit): the view first, then its page; the profile stays with
        # this widget and goes with it.
        delete(self._view)
        delete(self._page)

    # -- incoming --------------------------------------------------------------------------------------------

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            self.sig_page_error.emit(f"the map page failed to load from {PAGE_URL.toString()}")

    def _on_message(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        kind = message["type"]
        if kind == "ready":
            self._ready = True
            queued, self._queue = self._queue, []
            for text in queued:
                self._bridge.sig_message.emit(text)
            self.sig_ready.emit()
        elif kind == "reply":
            callback = self._replies.pop(message["id"], None)
            if callback is not None:
                callback(message["result"])
        elif kind == "feature.clicked":
            self.sig_feature_clicked.emit(message["layer"], message["id"])
        elif kind == "map.contextmenu":
            self.sig_new_incident_requested.emit(message["lat"], message["lon"])
        elif kind == "polygon.drawn":
            self.sig_polygon_drawn.emit(message["coordinates"])
        elif kind == "polygon.cleared":
            self.sig_polygon_cleared.emit()
        elif kind == "layer.toggled":
            self.sig_layer_toggled.emit(message["layer"], message["visible"])
        elif kind == "view.changed":
            self.sig_view_changed.emit(message["bbox"], message["zoom"])
        elif kind == "error":
            page_logger.error("map page error: %s", capped(message["message"], 2000))
            self.sig_page_error.emit(message["message"])
        elif kind == "log":
            level = logging.getLevelName(message["level"].upper())
            page_logger.log(level if isinstance(level, int) else logging.INFO, "%s", capped(message["message"], 2000))
