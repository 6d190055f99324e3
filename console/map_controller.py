"""Feeds the map: builds the page once (on a worker), sends layers as GeoJSON diffs, answers tile requests from the
tile cache, and turns map clicks into console-wide signals.

The page is never regenerated: after the first ``layer.set`` per layer, refreshes travel as ``layer.diff``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.task_runner import TaskRunner, first_imports
from maps.bridge_protocol import LAYERS
from services.workflow import SOURCES, STATES
from widgets.i18n import current_language, t
from widgets.incident_rows import source_label, state_label
from widgets.status_words import FRESHNESS_WORDS, freshness_label
from widgets.table_rows import FeedStatusRow

if TYPE_CHECKING:
    from maps.map_view import MapView
    from services.map_refresh import MapRefresh
    from services.store.store import Store
    from services.sync.feed_catalog import FeedSpec

log = logging.getLogger(__name__)

MAP_REFRESH_MS = 1000  # coalesce feed results into one layer refresh
ALERTS = "alerts"  # the alerts layer: built here from the Alerts dock's list, not loaded by services.map_refresh
STORE_LAYERS = tuple(layer for layer in LAYERS if layer != ALERTS)
_FRESHNESS_ORDER = ("never", "stale", "late", "fresh")


def _build_page(out_dir: Path) -> Path:
    # folium stays off the UI thread and out of start-up: imported on the worker that builds the page
    with first_imports():
        from maps.page_build import build_page
    return build_page(out_dir)


def _refresh(store: Store, sent: dict[str, dict[str, dict[str, Any]]], layers: set[str]) -> MapRefresh:
    with first_imports():
        from services.map_refresh import refresh_map
    return refresh_map(store, sent, layers)


def _alert_words() -> dict[str, str]:
    """The alerts' severities and states as the Alerts dock says them."""
    from widgets.alert_words import severity_label

    words = {f"severity.{s}": severity_label(s) for s in ("critical", "warning", "info")}
    words["alert_state.open"] = t("เปิด รอรับทราบ", "open")
    words["alert_state.acknowledged"] = t("รับทราบแล้ว", "acknowledged")
    words["layer.alerts"] = t("การแจ้งเตือน", "Alerts")
    return words


class MapController(QObject):
    """Owns the MapView's data flow for one window."""

    sig_incident_selected = Signal(str)
    """An incident was clicked on the map (its id: server id, or ``local-N`` before it is synced)."""

    sig_station_selected = Signal(str, str)
    """An air-quality station or river gauge was clicked on the map: (layer "air" | "river", station code)."""

    sig_new_incident_requested = Signal(float, float)
    """The operator asked for a new incident at (lat, lon) from the map's context menu."""

    sig_area_filter_changed = Signal(list)
    """The operator drew an area on the map ([[lon, lat], ...]) or removed it (an empty list)."""

    sig_alert_selected = Signal(int)
    """An alert's outline was clicked on the map (its id): select it in the Alerts dock."""

    sig_map_ready = Signal()
    """The page is loaded, the bridge is up and the first layers have been sent."""

    def __init__(self, runner: TaskRunner, page_dir: Path, attach: Callable[[MapView], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._page_dir = page_dir
        self._attach = attach
        self._view: MapView | None = None
        self._store: Store | None = None
        self._sent: dict[str, dict[str, dict[str, Any]]] = {}
        self._page_ready = False
        self._first_layers_sent = False
        self._basemap: str | None = None  # attribution, once the tile service is open
        self._tile_source: Callable[[int, int, int], bytes | None] | None = None
        self._closed = False
        self.view_bbox: tuple[float, float, float, float] | None = None  # what the operator looks at (W, S, E, N)
        self._last_rows: list[FeedStatusRow] = []
        self._layer_feeds: dict[str, tuple[str, ...]] = {}  # the feeds each layer's badge reflects (from the specs)
        self._dirty: set[str] = set()  # layers to reload at the next refresh
        self._area: tuple[list[list[float]], str | None] | None = None  # the area filter the page must show
        self._refreshing = False
        self._zoom_cap: Callable[[float, float, bool], int | None] | None = None  # see set_zoom_cap
        self._offline: Callable[[], bool] = lambda: False
        self._selecting = 0
        self._alerts: list[Any] = []  # the Alerts dock's list (services.alerts.model.AlertView)
        self._alert_rules: Any = None  # the rule set in force (landmark radii, drawn areas)
        self._timer = QTimer(self, singleShot=True, interval=MAP_REFRESH_MS)
        self._timer.timeout.connect(lambda: self.refresh(()))  # the layers marked dirty, not all

    @property
    def view(self) -> MapView | None:
        return self._view

    @property
    def ready(self) -> bool:
        return self._page_ready and self._first_layers_sent

    def start(self) -> None:
        self._runner.run_net(_build_page, self._page_dir, lane="control", on_done=self._page_built,
                             on_error=self._page_failed)

    def _page_built(self, page: Path) -> None:
        if self._closed:
            return
        from maps.map_view import MapView
        from widgets.alert_words import SEVERITY_RGB

        view = MapView(page.parent, tile_provider=self._provide_tile, alert_colours=SEVERITY_RGB)
        view.sig_ready.connect(self._on_page_ready)
        view.sig_feature_clicked.connect(self._on_feature_clicked)
        view.sig_new_incident_requested.connect(self.sig_new_incident_requested)
        view.sig_polygon_drawn.connect(self.sig_area_filter_changed)
        view.sig_polygon_cleared.connect(lambda: self.sig_area_filter_changed.emit([]))
        view.sig_page_error.connect(lambda message: log.warning("map page: %s", message))
        view.sig_view_changed.connect(self._on_view_changed)
        self._view = view
        self._attach(view)
        view.load()

    def _on_view_changed(self, bbox: list, _zoom: int) -> None:
        if len(bbox) == 4:
            self.view_bbox = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))

    def _page_failed(self, exc: BaseException) -> None:
        log.error("map page could not be built: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))

    def _on_page_ready(self) -> None:
        self._page_ready = True
        self.set_language(current_language())
        if self._last_rows:
            self.update_meta(self._last_rows)
        if self._basemap is not None:
            self._send_basemap()
        if self._area is not None:
            self._send_area()
        self.refresh()

    # --- data ------------------------------------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        """The page's own labels follow the console's language (it carries the Thai/English pairs itself); the words
        of the codes its features carry (workflow states, sources) are the ones the console's tables use."""
        if self._view is not None and self._page_ready:
            words = {f"state.{s}": state_label(s) for s in STATES}
            words.update({f"source.{s}": source_label(s) for s in SOURCES})
            words.update({key: freshness_label(key) for key in FRESHNESS_WORDS})  # the feed status table's words
            words.update(_alert_words())
            self._view.set_language(language, words)
            self._send_alert_meta()

    def set_feeds(self, specs: Iterable[FeedSpec]) -> None:
        """The feeds polled: each spec names the layers its data changes, whose badges then reflect it."""
        layer_feeds: dict[str, list[str]] = {}
        for spec in specs:
            for layer in spec.map_layers:
                layer_feeds.setdefault(layer, []).append(spec.name)
        self._layer_feeds = {layer: tuple(feeds) for layer, feeds in layer_feeds.items()}
        if self._last_rows:
            self.update_meta(self._last_rows)

    def set_store(self, store: Store) -> None:
        self._store = store
        self.refresh()

    def set_basemap(self, attribution: str, tile_source: Callable[[int, int, int], bytes | None]) -> None:
        """Tiles come from ``tile_source(z, x, y)``, run on the ``tiles`` lane (the cache first, then the server)."""
        self._basemap = attribution
        self._tile_source = tile_source
        if self._page_ready:
            self._send_basemap()

    def show_area(self, polygon: Sequence[Sequence[float]] | None, name: str | None) -> None:
        """Draw the incident area filter in effect (None: none) with its saved name; kept, and sent once the page is
        ready, so the map always shows the filter the queue applies."""
        self._area = ([[float(p[0]), float(p[1])] for p in polygon], name) if polygon else None
        if self._view is not None and self._page_ready:
            self._send_area()

    def _send_area(self) -> None:
        assert self._view is not None
        if self._area is None:
            self._view.set_area(None)
        else:
            self._view.set_area(*self._area)

    def _send_basemap(self) -> None:
        assert self._view is not None and self._basemap is not None
        self._view.set_basemap("pao://tiles/{z}/{x}/{y}.png", self._basemap, max_zoom=18)

    def schedule_refresh(self, layers: Iterable[str] | None = None) -> None:
        """Refresh ``layers`` (all when None) soon; requests within the coalescing interval are merged."""
        self._mark_dirty(layers)
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self, layers: Iterable[str] | None = None) -> None:
        """Reload ``layers`` (all when None) and send what changed. One refresh runs at a time, each diffed against
        what the page has; what is asked meanwhile runs right after it, so no request is lost."""
        self._mark_dirty(layers)
        if self._closed or self._store is None or not self._page_ready or self._refreshing:
            return
        wanted, self._dirty = self._dirty, set()
        if not wanted:
            return
        self._refreshing = True
        self._runner.run_db(_refresh, self._store, self._sent, wanted, on_done=self._apply,
                            on_error=self._refresh_failed)

    def _mark_dirty(self, layers: Iterable[str] | None) -> None:
        self._dirty |= set(STORE_LAYERS if layers is None else layers) - {ALERTS}

    def _refresh_failed(self, exc: BaseException) -> None:
        self._refreshing = False
        log.error("map layers could not be loaded: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))

    def _apply(self, result: MapRefresh) -> None:
        self._refreshing = False
        view = self._view
        if view is None or self._closed:
            return
        for layer, features in result.sets.items():
            view.set_layer(layer, features)
        for layer, diff in result.diffs.items():
            view.diff_layer(layer, add=diff.add, update=diff.update, remove=diff.remove)
        self._sent = {**self._sent, **result.layers}
        if ALERTS not in self._sent or "districts" in result.sets or "districts" in result.diffs:
            self._send_alerts()  # the first time, and a district alert's outline once the boundaries change
        if self._dirty:
            self.refresh(())  # what was asked while this one ran
        if self._last_rows:
            self.update_meta(self._last_rows)
        if not self._first_layers_sent:
            self._first_layers_sent = True
            self.sig_map_ready.emit()

    def update_meta(self, rows: Sequence[FeedStatusRow]) -> None:
        """Counts and freshness badges of the data layers, from the feed status rows (kept, and sent again when the
        page becomes ready and when the layers' counts change)."""
        self._last_rows = list(rows)
        if self._view is None or not self._page_ready:
            return
        by_feed = {r.feed: r for r in rows}
        titles = {"incidents": t("เหตุการณ์", "Incidents"), "air": t("คุณภาพอากาศ", "Air quality"),
                  "hotspots": t("จุดความร้อน", "Fire hotspots"), "river": t("ระดับน้ำ", "River levels")}
        for layer, feeds in self._layer_feeds.items():
            feed_rows = [by_feed[f] for f in feeds if f in by_feed]
            if not feed_rows:
                continue
            worst = min(feed_rows, key=lambda r: _FRESHNESS_ORDER.index(r.freshness))
            successes = [r.last_success_at for r in feed_rows if r.last_success_at is not None]
            self._view.set_layer_meta(
                layer, title=titles.get(layer, layer), count=len(self._sent.get(layer, {})), source=worst.source,
                last_success=max(successes).strftime("%Y-%m-%dT%H:%M:%SZ") if successes else None,
                age_s=worst.age_s, cadence_s=worst.cadence_s, freshness=worst.freshness,
                failing=any(r.failing for r in feed_rows))

    # --- alerts --------------------------------------------------------------------------------------------------

    def set_alerts(self, alerts: Sequence[Any], rules: Any = None) -> None:
        """Outline these alerts (the Alerts dock's list: open and acknowledged ones are shown) on the alerts layer;
        ``rules`` (services.alerts.rules.RuleSet) gives a landmark alert its radius and a drawn area its outline.
        What changed travels as one ``layer.diff`` (a few hundred alerts at most: built here, no database read)."""
        self._alerts = list(alerts)
        if rules is not None:
            self._alert_rules = rules
        self._send_alerts()

    def _send_alerts(self) -> None:
        view = self._view
        if view is None or not self._page_ready or self._closed:
            return
        from services.map_layers import alert_features, diff_layer

        rules = self._alert_rules
        radius = {r.id: r.radius_km for r in getattr(rules, "rules", ()) if getattr(r, "kind", None) == "fire"}
        context = getattr(rules, "context", None)
        features = alert_features(self._alerts, districts=self._sent.get("districts", {}), radius_km=radius,
                                  areas=dict(context.areas) if context is not None else {})
        previous = self._sent.get(ALERTS)
        if previous is None:
            view.set_layer(ALERTS, features)
        else:
            diff = diff_layer(previous, features)
            if diff.empty:
                return
            view.diff_layer(ALERTS, add=diff.add, update=diff.update, remove=diff.remove)
        self._sent = {**self._sent, ALERTS: {f["id"]: f for f in features}}
        self._send_alert_meta()

    def _send_alert_meta(self) -> None:
        if self._view is not None and self._page_ready:
            self._view.set_layer_meta(ALERTS, title=t("การแจ้งเตือน", "Alerts"), count=len(self._sent.get(ALERTS, {})))

    def alert_features(self) -> dict[str, dict[str, Any]]:
        """The alerts layer as the page has it (id → GeoJSON feature)."""
        return dict(self._sent.get(ALERTS, {}))

    # --- tiles -----------------------------------------------------------------------------------------------------

    def _provide_tile(self, z: int, x: int, y: int, reply: Callable[[bytes | None], None]) -> None:
        source = self._tile_source
        if source is None or self._closed:
            reply(None)
            return
        # Their own lane: a slow tile server holds tile requests only, never a feed poll or an edit being sent.
        self._runner.run_net(source, z, x, y, lane="tiles", on_done=reply, on_error=lambda _exc: reply(None))

    # --- clicks ----------------------------------------------------------------------------------------------------

    def _on_feature_clicked(self, layer: str, feature_id: str) -> None:
        if layer == ALERTS:
            if feature_id.isdigit():
                self.sig_alert_selected.emit(int(feature_id))
        elif layer == "incidents":
            self.sig_incident_selected.emit(feature_id)
        elif layer in ("air", "river"):
            self.sig_station_selected.emit(layer, feature_id)

    def select_incident(self, feature_id: str | None) -> None:
        """Highlight an incident and pan there: only for the operator's own request (a click in the queue or on the
        map, "Show on map"). Nothing else moves the view: refreshes travel as diffs, and the page keeps its
        selection across them. Offline, the zoom-in stops at the deepest basemap zoom saved there
        (:meth:`set_zoom_cap`), looked up on the ``tiles`` lane first."""
        if self._view is None or not self._page_ready:
            return
        self._selecting += 1  # a later selection wins over a cap lookup still running
        feature = self._sent.get("incidents", {}).get(feature_id) if feature_id is not None else None
        coordinates = (feature or {}).get("geometry", {}).get("coordinates")
        offline = self._offline() if self._zoom_cap is not None else False
        if not offline or not coordinates:  # online, tiles come at any zoom: select at once
            self._view.select("incidents", feature_id)
            return
        turn = self._selecting

        def select(cap: int | None) -> None:
            if turn == self._selecting and self._view is not None and not self._closed:
                self._view.select("incidents", feature_id, max_zoom=cap)

        assert self._zoom_cap is not None
        self._runner.run_net(self._zoom_cap, float(coordinates[0]), float(coordinates[1]), True,
                             lane="tiles", on_done=select, on_error=lambda _exc: select(None))

    def set_zoom_cap(self, cap_at: Callable[[float, float, bool], int | None] | None,
                     offline: Callable[[], bool] = lambda: False) -> None:
        """``cap_at(lon, lat, offline)`` (run on the ``tiles`` lane; services.tile_cache.TileService.zoom_cap_at)
        says how deep a selection may zoom there: the deepest zoom saved in the tile cache. It is asked only while
        ``offline()`` (read on the UI thread: no network, or no reachable tile server) says so."""
        self._zoom_cap = cap_at
        self._offline = offline

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        if self._view is not None:
            self._view.shutdown()
