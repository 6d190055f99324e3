"""The main window: central overview, docks, menus and status bar. Wiring to services lives in console.controller."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMenuBar,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from widgets.activity_line import ActivityLine
from widgets.connection_indicator import ConnectionIndicator
from widgets.feed_status_panel import FeedStatusPanel
from widgets.i18n import current_language, set_language, t
from widgets.offline_banner import OfflineBanner
from widgets.overview_panel import OverviewPanel
from widgets.situation_strip import SituationStrip

WINDOW_STATE_VERSION = 3  # bump when docks are renamed so an old saved layout is ignored, not misapplied
# Alt+N brings dock N forward and puts the keyboard in it (Alt+0: the map). The docks an operator works in come
# first; a dock not named here takes the next free number.
DOCK_KEYS = {"incidents": 1, "incidentDetail": 2, "overview": 3, "conflicts": 4, "feedStatus": 5, "alerts": 6}


class MainWindow(QMainWindow):
    """Panels plug in as docks (``add_dock``); their visibility toggles appear under View automatically."""

    sig_sync_requested = Signal()
    """The operator asked for an immediate sync of every feed."""

    sig_new_incident_requested = Signal()
    """The operator wants to take in a new incident (without a map location)."""

    sig_offline_area_requested = Signal()
    """The operator wants to save a map area's basemap for offline use."""

    sig_language_changed = Signal(str)
    """The UI language changed ("th" or "en")."""

    sig_close_requested = Signal()
    """The window is closing; the controller shuts the background work down."""

    sig_find_requested = Signal()
    """The operator wants to search the incidents (Ctrl+F): the queue's search box takes the keyboard."""

    def __init__(self, ui_settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ui_settings = ui_settings
        self._docks: dict[str, QDockWidget] = {}
        self._shares: dict[str, tuple[str, float]] = {}  # dock → (the dock it shares a row or column with, its part)
        self._status_controls = 0  # widgets add_status_control put left of the mode label
        self._layout_restored = False  # a saved layout was applied: docks added later take their saved places
        self.overview = OverviewPanel(self)
        self.feed_status = FeedStatusPanel(self)
        self.connection = ConnectionIndicator(self)
        self.activity = ActivityLine(self)
        self.mode_label = QLabel(self)

        self.offline_banner = OfflineBanner(self)
        # The menus, and under them the situation strip across the whole window: in the centre alone (905 px at
        # 1366x768, beside the side docks) its chips took two rows off the map's height.
        self._menu_bar = QMenuBar(self)
        self._menu_bar.setNativeMenuBar(False)  # in the window, under the title, with the strip
        self.top = QWidget(self)
        self.top.setObjectName("windowTop")
        self.situation_strip = SituationStrip(self.top)
        top_layout = QVBoxLayout(self.top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self._menu_bar)
        top_layout.addWidget(self.situation_strip)
        self.setMenuWidget(self.top)
        self.centre = QWidget(self)  # the map
        self.map_placeholder = QLabel(self.centre)
        self.map_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.map_placeholder.setObjectName("mapPlaceholder")

        self.setObjectName("mainWindow")
        # The map takes the centre once its page is built (on a worker); until then a placeholder says so.
        self._centre_layout = QVBoxLayout(self.centre)
        self._centre_layout.setContentsMargins(0, 0, 0, 0)
        self._centre_layout.setSpacing(0)
        self._centre_layout.addWidget(self.map_placeholder, 1)
        self.setCentralWidget(self.centre)
        # A row of its own across the window, above the other toolbars and the docks.
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.offline_banner)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        # The side dock runs the full height (the river gauges and air list need it); the bottom docks (the
        # incident queue) sit under the map only.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._build_menus()
        self.add_dock("overview", self.overview, Qt.DockWidgetArea.RightDockWidgetArea)
        self.add_dock("feedStatus", self.feed_status, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.mode_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.activity, 1)
        self.statusBar().addPermanentWidget(self.mode_label)
        self.statusBar().addPermanentWidget(self.connection)
        self.feed_status.sig_sync_requested.connect(self.sig_sync_requested)
        self.retranslate()

    def add_status_control(self, *widgets: QWidget) -> None:
        """Put ``widgets`` in the status bar's right part, left of the mode and the connection."""
        for widget in widgets:
            # Item 0 is the message line; the controls added before come next, then the mode label.
            self.statusBar().insertPermanentWidget(1 + self._status_controls, widget)
            self._status_controls += 1

    # --- docks -----------------------------------------------------------------------------------------------------

    def add_dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea, *, tab_with: str | None = None,
                 ahead_of: str | None = None, front: bool = False,
                 share: tuple[str, float] | None = None) -> QDockWidget:
        """Add a panel as a dock; ``name`` is its stable object name for saved layouts.

        Where the operator's saved layout has the dock, it goes back there (floating, on another screen, in another
        tab group) and nothing below applies. Otherwise it goes to ``area``: as a tab behind dock ``tab_with`` (or
        with dock ``ahead_of`` as the tab behind it), in front of its group when ``front`` (on the next event-loop
        turn: a dock tabified in this turn is not in its tab bar yet). With ``share`` (another dock of ``area``, a
        fraction) it goes beside that dock (under it in the side column, right of it at the bottom) and takes that
        part of their height or width by default.
        """
        dock = QDockWidget(self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        # restoreDockWidget only finds the saved place of a dock not yet added (adding one drops its place).
        if not (self._layout_restored and self.restoreDockWidget(dock)):
            self.addDockWidget(area, dock)
            if tab_with is not None:
                self.tabifyDockWidget(self._docks[tab_with], dock)
            if ahead_of is not None:
                self.tabifyDockWidget(dock, self._docks[ahead_of])
            if front:
                QTimer.singleShot(0, dock.raise_)
            if share is not None:
                self._shares[name] = share
        self._docks[name] = dock
        self._view_menu.addAction(dock.toggleViewAction())
        taken = {int(a.data()[1]) for a in self._goto_menu.actions() if a.data()}
        # Alt+1 … Alt+9 while they last; a dock added after that is in the menu without a key.
        number = DOCK_KEYS.get(name) or next((n for n in range(1, 10) if n not in taken
                                              and n not in DOCK_KEYS.values()), None)
        go = QAction(dock.windowTitle(), self)
        go.setObjectName(f"goto_{name}")
        go.setData((name, number if number is not None else 10 + len(self._docks)))
        if number is not None:
            go.setShortcut(QKeySequence(f"Alt+{number}"))
        go.triggered.connect(lambda _=False, n=name: self.focus_dock(n))
        dock.windowTitleChanged.connect(go.setText)
        self._goto_menu.addAction(go)
        ordered = sorted(self._goto_menu.actions(), key=lambda a: a.data()[1] if a.data() else 0)
        for action in ordered:  # in key order, the map (Alt+0) first
            self._goto_menu.removeAction(action)
            self._goto_menu.addAction(action)
        return dock

    def focus_dock(self, name: str) -> None:
        """Bring dock ``name`` forward and give it the keyboard (its widget's focus proxy, else its first field)."""
        dock = self._docks[name]
        dock.show()
        dock.raise_()
        widget = dock.widget()
        target = widget.focusProxy() or next(
            (w for w in (widget, *widget.findChildren(QWidget))
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(dock) and w.isEnabled()), widget)
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_map(self) -> None:
        """Give the map the keyboard (Alt+0): its page's keys pan and zoom."""
        widget = self._centre_layout.itemAt(self._centre_layout.count() - 1).widget()
        if widget is not None:
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def add_incident_actions(self, actions: list[QAction]) -> None:
        """List actions on the incident on show (the workflow keys, Show on map) in the *Incidents* menu, so their
        keys work wherever the keyboard is and the menu shows them."""
        self._incident_menu.addSeparator()
        for action in actions:
            self._incident_menu.addAction(action)

    @property
    def ui_settings(self) -> QSettings | None:
        """Where the window keeps what the operator arranged (window.ini): layout, and panels' own choices."""
        return self._ui_settings

    def dock(self, name: str) -> QDockWidget:
        return self._docks[name]

    def add_file_action(self, action: QAction) -> None:
        """List ``action`` in the *File* menu, above *Quit* (the settings-like dialogs)."""
        self._file_menu.insertAction(self._quit_action, action)
        if not any(a.isSeparator() for a in self._file_menu.actions()):
            self._file_menu.insertSeparator(self._quit_action)

    @property
    def map_menu(self) -> QMenu:
        """The *Map* menu, for the controllers that add to it (the incident areas)."""
        return self._map_menu

    def set_map_widget(self, widget: QWidget) -> None:
        """Put the map in the centre (replacing the loading placeholder)."""
        placeholder, self.map_placeholder = self.map_placeholder, None  # type: ignore[assignment]
        widget.setMinimumSize(360, 240)  # the map is the centre of the console: docks never squeeze it away
        if placeholder is not None:
            self._centre_layout.removeWidget(placeholder)
            placeholder.deleteLater()
        self._centre_layout.addWidget(widget, 1)
        # The side dock grew into the space the placeholder left; give the map the larger share back once the
        # new central widget is in the layout (next event-loop turn). A restored layout keeps the operator's sizes.
        if not self._layout_restored:
            QTimer.singleShot(0, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        self.resizeDocks([self.dock("overview")], [min(520, max(320, self.width() // 3))], Qt.Orientation.Horizontal)
        for name, (other, part) in self._shares.items():
            pair = [self.dock(other), self.dock(name)]
            if self.dockWidgetArea(pair[0]) in (Qt.DockWidgetArea.LeftDockWidgetArea,
                                                Qt.DockWidgetArea.RightDockWidgetArea):
                whole, orientation = pair[0].height() + pair[1].height(), Qt.Orientation.Vertical
            else:
                whole, orientation = pair[0].width() + pair[1].width(), Qt.Orientation.Horizontal
            self.resizeDocks(pair, [round(whole * (1 - part)), round(whole * part)], orientation)
        # Tall enough for the queue to show more than five incidents at 1366x768, without squeezing the map.
        self.resizeDocks([self.dock("feedStatus")], [int(min(380, max(240, self.height() * 0.39)))],
                         Qt.Orientation.Vertical)

    # --- menus -----------------------------------------------------------------------------------------------------

    def menuBar(self) -> QMenuBar:  # noqa: N802 (Qt override)
        """The window's menus (in the top widget with the situation strip, not QMainWindow's own menu bar slot)."""
        return self._menu_bar

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self._file_menu = bar.addMenu("")
        self._quit_action = QAction(self)
        self._quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self._quit_action.triggered.connect(self.close)
        self._file_menu.addAction(self._quit_action)

        self._sync_menu = bar.addMenu("")
        self.sync_now_action = QAction(self)
        self.sync_now_action.setShortcut(QKeySequence("F5"))
        self.sync_now_action.triggered.connect(self.sig_sync_requested)
        self._sync_menu.addAction(self.sync_now_action)
        self._sync_menu.addSeparator()
        # Demo / training only (console.training_outage shows it): cut the simulator off to rehearse an outage.
        self.training_outage_action = QAction(self, checkable=True, visible=False)
        self._sync_menu.addAction(self.training_outage_action)

        self._incident_menu = bar.addMenu("")
        self.new_incident_action = QAction(self)
        self.new_incident_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_incident_action.triggered.connect(self.sig_new_incident_requested)
        self._incident_menu.addAction(self.new_incident_action)
        self.find_action = QAction(self)
        self.find_action.setObjectName("findIncidentsAction")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)  # Ctrl+F
        self.find_action.triggered.connect(self.sig_find_requested)
        self._incident_menu.addAction(self.find_action)
        self._incident_menu.setToolTipsVisible(True)  # a disabled workflow action says why

        self._map_menu = bar.addMenu("")
        self.offline_area_action = QAction(self)
        self.offline_area_action.triggered.connect(self.sig_offline_area_requested)
        self._map_menu.addAction(self.offline_area_action)

        self._view_menu = bar.addMenu("")
        self._language_menu = self._view_menu.addMenu("")
        group = QActionGroup(self)
        self._language_actions: dict[str, QAction] = {}
        for code, label in (("th", "ไทย"), ("en", "English")):
            action = QAction(label, self, checkable=True)
            action.setData(code)
            group.addAction(action)
            self._language_menu.addAction(action)
            action.triggered.connect(lambda _=False, c=code: self.change_language(c))
            self._language_actions[code] = action
        self._goto_menu = self._view_menu.addMenu("")
        self._goto_map_action = QAction(self)
        self._goto_map_action.setObjectName("goto_map")
        self._goto_map_action.setShortcut(QKeySequence("Alt+0"))
        self._goto_map_action.triggered.connect(self.focus_map)
        self._goto_menu.addAction(self._goto_map_action)
        self._view_menu.addSeparator()

        self._help_menu = bar.addMenu("")
        self._about_action = QAction(self)
        self._about_action.triggered.connect(self._show_about)
        self._help_menu.addAction(self._about_action)

    def change_language(self, language: str) -> None:
        if language == current_language():
            return
        set_language(language)
        self.retranslate()
        self.sig_language_changed.emit(language)

    def retranslate(self) -> None:
        self.activity.retranslate()
        self.setWindowTitle(t("ศูนย์ปฏิบัติการ อบจ.เชียงใหม่", "Chiang Mai PAO Operations Console"))
        # Thai menus take the English mnemonic letter in brackets, as menus in non-Latin scripts do: Alt+F opens
        # File in either language.
        self._file_menu.setTitle(t("แฟ้ม (&F)", "&File"))
        self._quit_action.setText(t("ออกจากโปรแกรม (&Q)", "&Quit"))
        self._sync_menu.setTitle(t("ซิงก์ (&S)", "&Sync"))
        self.sync_now_action.setText(t("ซิงก์ทุกแหล่งตอนนี้ (&N)", "Sync all feeds &now"))
        self.training_outage_action.setText(t("ฝึกซ้อม: ตัดการเชื่อมต่อเครือข่าย (&C)",
                                              "Training: &cut the network off"))
        self._incident_menu.setTitle(t("เหตุการณ์ (&I)", "&Incidents"))
        self.new_incident_action.setText(t("รับเรื่องใหม่… (&N)", "&New incident…"))
        self.find_action.setText(t("ค้นหาเหตุการณ์ (&F)", "&Find incidents"))
        self._map_menu.setTitle(t("แผนที่ (&M)", "&Map"))
        self.offline_area_action.setText(t("บันทึกพื้นที่ไว้ใช้ออฟไลน์… (&O)", "Save area for &offline…"))
        self._view_menu.setTitle(t("มุมมอง (&V)", "&View"))
        self._language_menu.setTitle(t("ภาษา (&L)", "&Language"))
        self._language_actions[current_language()].setChecked(True)
        self._goto_menu.setTitle(t("ไปที่แผง (&G)", "&Go to panel"))
        self._goto_map_action.setText(t("แผนที่", "Map"))
        self._help_menu.setTitle(t("ช่วยเหลือ (&H)", "&Help"))
        self._about_action.setText(t("เกี่ยวกับโปรแกรม (&A)", "&About"))
        if self._docks:
            self.dock("feedStatus").setWindowTitle(t("สถานะแหล่งข้อมูล", "Feed status"))
            self.dock("overview").setWindowTitle(t("สถานการณ์ล่าสุด", "Latest situation"))
        if self.map_placeholder is not None:
            self.map_placeholder.setText(t("กำลังเตรียมแผนที่…", "Preparing the map…"))
        self.overview.retranslate()
        self.feed_status.retranslate()
        self.connection.retranslate()
        self.offline_banner.retranslate()

    def set_mode_text(self, text: str) -> None:
        self.mode_label.setText(text)

    def _show_about(self) -> None:
        QMessageBox.about(self, self.windowTitle(), t(
            "คอนโซลปฏิบัติการสำหรับคุณภาพอากาศ จุดความร้อน ระดับน้ำ และเรื่องร้องเรียน จังหวัดเชียงใหม่",
            "Operations console for air quality, fire hotspots, river levels and incidents in Chiang Mai."))

    # --- layout persistence ----------------------------------------------------------------------------------------

    def restore_layout(self) -> None:
        """The saved layout, or the default one (feed status tall enough for every feed) when there is none."""
        saved = self._ui_settings is not None and isinstance(self._ui_settings.value("window/state"), QByteArray)
        self._layout_restored = saved and self.restoreState(self._ui_settings.value("window/state"),
                                                            WINDOW_STATE_VERSION)
        if not self._layout_restored:
            self._default_dock_sizes()
        if self._ui_settings is not None:
            geometry = self._ui_settings.value("window/geometry")
            if isinstance(geometry, QByteArray):
                self.restoreGeometry(geometry)
        self.offline_banner.apply()  # a layout saved while offline must not show the banner now

    def finish_layout(self) -> None:
        """Every dock is in: apply the saved layout once more. Docks added after the first restore found their
        places, but Qt neither keeps the sizes around them nor which tab of a group was on top."""
        if self._layout_restored and self._ui_settings is not None:
            self.restoreState(self._ui_settings.value("window/state"), WINDOW_STATE_VERSION)

    def save_layout(self) -> None:
        if self._ui_settings is None:
            return
        self._ui_settings.setValue("window/geometry", self.saveGeometry())
        self._ui_settings.setValue("window/state", self.saveState(WINDOW_STATE_VERSION))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.sig_close_requested.emit()
        super().closeEvent(event)
