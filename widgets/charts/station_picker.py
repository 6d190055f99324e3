"""The air chart's station picker: a toolbar button with a menu of checkable stations, the home province's first
and the others in a submenu per province. The menu stays open while stations are ticked, so picking three does not
take three trips.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from widgets.i18n import t

HOME_PROVINCE_EN = "Chiang Mai"
AirStation = tuple[str, str, str, str | None]  # (code, name_th, name_en, province_en), as ChartStations.air


class _StayOpenMenu(QMenu):
    """A menu whose checkable entries toggle without closing it."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.activeAction()
        if action is not None and action.isCheckable() and action.isEnabled() and action.menu() is None:
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class StationPicker(QToolButton):
    """Pick the stations a chart draws (see the module)."""

    sig_stations_changed = Signal(list)
    """The user changed the stations to draw: their codes, in the order they were picked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stations: list[AirStation] = []
        self._selected: list[str] = []
        self._actions: dict[str, QAction] = {}
        self._province_menus: list[QMenu] = []
        self._menu = _StayOpenMenu(self)
        self._others = _StayOpenMenu(self._menu)
        self.setObjectName("chartStationPicker")
        self.setMenu(self._menu)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAutoRaise(True)
        self.retranslate()

    def set_stations(self, stations: Sequence[AirStation]) -> None:
        """The stations to offer (home province first, as the store lists them); the ticks stay."""
        self._stations = list(stations)
        self._rebuild()

    def set_selected(self, codes: Sequence[str]) -> None:
        """Tick exactly these stations (no signal: this is the console restoring state)."""
        self._selected = list(dict.fromkeys(codes))
        self._sync_checks()

    def selected(self) -> list[str]:
        return list(self._selected)

    def add(self, code: str) -> None:
        """Tick one more station (a click on the map or in the situation table) and say so."""
        if code in self._selected:
            return
        self._selected.append(code)
        self._sync_checks()
        self.sig_stations_changed.emit(self.selected())

    def retranslate(self) -> None:
        self.setText(f"{t('สถานี', 'Stations')} ({len(self._selected)})")
        self.setToolTip(t("เลือกสถานีที่จะแสดงในกราฟ", "Choose the stations the chart shows"))
        self._others.setTitle(t("จังหวัดอื่น", "Other provinces"))
        for station in self._stations:
            action = self._actions.get(station[0])
            if action is not None:
                action.setText(self._station_text(station))

    # -- internals -------------------------------------------------------------------------------------------------
    @staticmethod
    def _station_text(station: AirStation) -> str:
        code, name_th, name_en, _province = station
        return f"{t(name_th or name_en, name_en or name_th)} ({code})"

    def _rebuild(self) -> None:
        self._menu.clear()
        self._others.clear()
        self._actions.clear()
        for menu in self._province_menus:
            menu.deleteLater()
        provinces: dict[str, QMenu] = {}
        for station in self._stations:
            code, _th, _en, province = station
            if province == HOME_PROVINCE_EN:
                target = self._menu
            else:
                name = province or t("ไม่ระบุจังหวัด", "Province not given")
                if name not in provinces:
                    provinces[name] = _StayOpenMenu(name, self._others)
                    self._others.addMenu(provinces[name])
                target = provinces[name]
            action = QAction(self._station_text(station), target)
            action.setCheckable(True)
            action.setData(code)
            action.toggled.connect(lambda on, c=code: self._toggled(c, on))
            target.addAction(action)
            self._actions[code] = action
        self._province_menus = list(provinces.values())
        if provinces:
            self._menu.addSeparator()
            self._menu.addMenu(self._others)
        self._sync_checks()
        self.retranslate()

    def _sync_checks(self) -> None:
        for code, action in self._actions.items():
            action.blockSignals(True)
            action.setChecked(code in self._selected)
            action.blockSignals(False)
        self.retranslate()

    def _toggled(self, code: str, on: bool) -> None:
        if on and code not in self._selected:
            self._selected.append(code)
        elif not on and code in self._selected:
            self._selected.remove(code)
        self.retranslate()
        self.sig_stations_changed.emit(self.selected())
