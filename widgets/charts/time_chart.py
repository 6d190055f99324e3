"""The base of the live time charts: a pyqtgraph plot on a Bangkok time axis with presets, free zoom and pan, "follow
now", a crosshair read-out, incident annotations, an empty state and PNG export.

The window. Presets (6 h / 24 h / 7 d / 30 d) show the last span up to now and follow now: the window slides with
the clock and with new data. Zooming or panning with the mouse (x only; the y axis fits what is visible) stops
following, and from then on live data never moves the user's window; the *Follow now* button or a preset brings it
back. ``sig_range_changed`` reports the visible window once it settles, and only when it moved by more than a sliver
of its span: following, each new result moves the window by seconds, and reporting that would ask for the data again
and again.

Drawing. ``set_data`` in the subclasses hands the data to ``_submit``, which draws through a RedrawThrottle: at
most four redraws a second, the latest data only, however often the sync stores something.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from services.chart_math import PRESETS
from widgets.charts.annotation_markers import AlertMarkers, AnnotationMarkers
from widgets.charts.chart_export import save_png, stacked_image
from widgets.charts.chart_overlays import ChartEmptyState, ReadoutBox
from widgets.charts.chart_style import hex_colour, style_plot, style_toolbar_parts
from widgets.charts.crosshair import Crosshair
from widgets.charts.redraw_throttle import RedrawThrottle
from widgets.charts.time_axis import BangkokAxis, format_instant
from widgets.i18n import t
from widgets.staggered_timer import StaggeredTimer

if TYPE_CHECKING:
    from services.chart_series import ChartAnnotation

Clock = Callable[[], float]

PRESET_WORDS: dict[str, tuple[str, str]] = {
    "6h": ("6 ชม.", "6 h"), "24h": ("24 ชม.", "24 h"), "7d": ("7 วัน", "7 d"), "30d": ("30 วัน", "30 d"),
}
RANGE_SETTLE_MS = 200  # a wheel turn or a drag reports its window once it stops
FOLLOW_TICK_MS = 30_000  # following, the window slides on with the clock this often even without new data
FOLLOW_LEAD = 0.02  # following, the window ends this share of its span after now, so the newest point is not cut
REPORT_MOVE = 0.02  # report a window moved by more than this share of its span (or resized by more than half that)
MIN_SPAN_S = 15 * 60
MAX_SPAN_S = 400 * 86400


@dataclass(frozen=True)
class ReadoutRow:
    """One line of the read-out: a colour swatch (the curve's) and the words."""

    colour: QColor | None
    text: str


@dataclass(frozen=True)
class Readout:
    """What the crosshair reads at one bucket: its start (the line snaps to it) and one row per curve."""

    at: float
    rows: list[ReadoutRow] = field(default_factory=list)


class TimeChart(QWidget):
    """A time chart (see the module). Subclasses draw in ``_apply`` and say what is under the crosshair in
    ``_readout``, whether the window holds anything in ``_has_data_in``, and their legend in ``_legend_html``."""

    sig_range_changed = Signal(float, float)
    """The visible window settled on (start, end), unix seconds UTC: the data of it is wanted."""
    sig_incident_clicked = Signal(int)
    """An incident annotation was clicked: select that incident (queue and map)."""
    sig_alert_clicked = Signal(int)
    """An alert marker was clicked (the alert's id): select that alert in the Alerts dock."""
    sig_follow_changed = Signal(bool)
    """Following now was switched on or off (by the user or by a preset)."""
    sig_export_requested = Signal(str)
    """The user asked to export the chart: ``"png"`` (the picture) or ``"csv"`` (the data shown)."""

    def __init__(self, parent: QWidget | None = None, *, preset: str = "24h", clock: Clock | None = None) -> None:
        super().__init__(parent)
        # attributes
        self._clock: Clock = clock or time.time
        self._span = float(PRESETS[preset])
        self._preset: str | None = preset
        self._following = True
        self._reported: tuple[float, float] | None = None
        self._readout_plain = ""
        # child widgets
        self.axis = BangkokAxis("bottom")
        self.plot = pg.PlotWidget(self, axisItems={"bottom": self.axis})
        self.view: pg.ViewBox = self.plot.getPlotItem().getViewBox()
        self.preset_buttons: dict[str, QToolButton] = {name: QToolButton(self) for name in PRESETS}
        self.follow_button = QToolButton(self)
        self.export_button = QToolButton(self)
        self._export_menu = QMenu(self)
        self._export_png = self._export_menu.addAction("")
        self._export_csv = self._export_menu.addAction("")
        self.legend = QLabel(self)
        self.empty_state = ChartEmptyState(self.plot, lambda: t("ไม่มีข้อมูลในช่วงเวลานี้", "No data in this window"))
        self.readout = ReadoutBox(self.plot)
        self.crosshair = Crosshair(self.plot)
        self.markers = AnnotationMarkers(self.view, self.sig_incident_clicked.emit)
        self.alert_markers = AlertMarkers(self.view, self.sig_alert_clicked.emit)
        self._throttle = RedrawThrottle(self, self._draw)
        self._settle_timer = QTimer(self)
        self._follow_timer = StaggeredTimer(self, FOLLOW_TICK_MS)
        # setup
        style_plot(self.plot)
        self.plot.getPlotItem().setMouseEnabled(x=True, y=False)
        self.view.setLimits(minXRange=MIN_SPAN_S, maxXRange=MAX_SPAN_S)
        self.view.disableAutoRange(axis=pg.ViewBox.XAxis)  # clip-to-view works only without x auto-range
        self.view.enableAutoRange(axis=pg.ViewBox.YAxis)
        self.view.setAutoVisible(y=True)  # y fits what is in the window, not the whole series
        for name, button in self.preset_buttons.items():
            button.setObjectName(f"chartPreset_{name}")
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click does not leave a focus frame that looks checked
        self.follow_button.setObjectName("chartFollowNow")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setAutoRaise(True)
        style_toolbar_parts(self.export_button, self._export_menu, self.legend)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(RANGE_SETTLE_MS)
        # layout
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.toolbar.setSpacing(2)
        for button in self.preset_buttons.values():
            self.toolbar.addWidget(button)
        self.toolbar.addWidget(self.follow_button)
        self.toolbar.addStretch(1)
        self.toolbar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        # connections
        for name, button in self.preset_buttons.items():
            button.clicked.connect(lambda _checked=False, n=name: self.set_preset(n))
        self.follow_button.toggled.connect(self.set_following)
        self._export_png.triggered.connect(lambda: self.sig_export_requested.emit("png"))
        self._export_csv.triggered.connect(lambda: self.sig_export_requested.emit("csv"))
        self._settle_timer.timeout.connect(self._settled)
        self._follow_timer.timeout.connect(self._follow_tick)
        self.crosshair.sig_moved.connect(self._pointer_moved)
        self.crosshair.sig_left.connect(self._pointer_left)
        # The first window is set before the range signals are connected: the subclass is not built yet. It is
        # reported (and the y range fitted) once the settle timer fires, after construction.
        now = self._clock()
        self.view.setXRange(now - self._span, now + self._lead_s(self._span), padding=0)
        self.view.sigRangeChangedManually.connect(self._user_moved)
        self.view.sigXRangeChanged.connect(self._x_range_changed)
        self._settle_timer.start()
        self._follow_timer.start()
        self._sync_buttons()
        self._retranslate_base()

    # -- the window ------------------------------------------------------------------------------------------------
    def visible_range(self) -> tuple[float, float]:
        """The visible window (start, end), unix seconds UTC."""
        (t0, t1), _y = self.view.viewRange()
        return float(t0), float(t1)

    def set_visible_range(self, t0: float, t1: float) -> None:
        """Show [t0, t1] and stop following now (as if the user had zoomed there)."""
        self._preset = None
        self._span = float(t1 - t0)
        self.set_following(False)
        self._set_window(t0, t1)
        self._sync_buttons()

    def set_preset(self, name: str) -> None:
        """Show the last ``name`` (``"6h"``, ``"24h"``, ``"7d"``, ``"30d"``) up to now, following now."""
        self._preset = name
        self._span = float(PRESETS[name])
        self.set_following(True)
        self._sync_buttons()

    def preset(self) -> str | None:
        """The preset the window is at, None after the user zoomed or panned."""
        return self._preset

    def is_following(self) -> bool:
        return self._following

    def set_following(self, on: bool) -> None:
        """Follow now (the window slides with the clock and new data) or stay where the user put it."""
        on = bool(on)
        changed = on != self._following
        self._following = on
        if self.follow_button.isChecked() != on:
            self.follow_button.blockSignals(True)
            self.follow_button.setChecked(on)
            self.follow_button.blockSignals(False)
        if on:
            self._follow_to_now()
            self._sync_buttons()
        if changed:
            self.sig_follow_changed.emit(on)

    def _follow_to_now(self) -> None:
        now = self._clock()
        self._set_window(now - self._span, now + self._lead_s(self._span))

    def _lead_s(self, span: float) -> float:
        """How far past now a following window of ``span`` reaches."""
        return span * FOLLOW_LEAD

    def _follow_tick(self) -> None:
        if self._following:
            self._follow_to_now()

    def _set_window(self, t0: float, t1: float) -> None:
        # x and y in one call: each call lays the view out again and every curve re-clips to it
        span = self._y_range_for(t0, t1)
        if span is None:
            self.view.setXRange(t0, t1, padding=0)
        else:
            self.view.setRange(xRange=(t0, t1), yRange=span, padding=0)

    def _user_moved(self, mask: Sequence[bool]) -> None:
        if not mask[0]:
            return
        t0, t1 = self.visible_range()
        self._span = t1 - t0
        self._preset = None
        self.set_following(False)
        self._sync_buttons()

    def _x_range_changed(self, *_args: object) -> None:
        self._fit_y()
        self._settle_timer.start()

    def _fit_y(self) -> None:
        t0, t1 = self.visible_range()
        span = self._y_range_for(t0, t1)
        if span is not None and list(span) != list(self.view.viewRange()[1]):
            self.view.setYRange(span[0], span[1], padding=0)

    def _settled(self) -> None:
        self._fit_y()
        self._refresh_empty_state()
        t0, t1 = self.visible_range()
        last = self._reported
        span = t1 - t0
        if last is not None:
            moved = abs(t0 - last[0]) > REPORT_MOVE * span or abs(span - (last[1] - last[0])) > REPORT_MOVE / 2 * span
            if not moved:
                return
        self._reported = (t0, t1)
        self.sig_range_changed.emit(t0, t1)

    def _sync_buttons(self) -> None:
        for name, button in self.preset_buttons.items():
            button.setChecked(name == self._preset)

    # -- data ------------------------------------------------------------------------------------------------------
    def set_annotations(self, annotations: Sequence[ChartAnnotation]) -> None:
        """Incidents opened and status changes, as markers along the time axis (clicking one emits
        ``sig_incident_clicked``)."""
        self.markers.set_annotations(annotations)

    def set_alerts(self, alerts: Sequence[Any]) -> None:
        """Open and acknowledged alerts (services.alerts.model.AlertView) as "!" markers at their first time near
        the top (clicking one emits ``sig_alert_clicked``)."""
        self.alert_markers.set_alerts(alerts)

    def _submit(self, *payload: Any) -> None:
        """New data to draw (at the redraw rate)."""
        self._throttle.submit(*payload)

    def flush(self) -> None:
        """Draw the data waiting for the next redraw now (nothing when none is waiting)."""
        self._throttle.flush()

    def _draw(self, *payload: Any) -> None:
        self._apply(*payload)
        if self._following:
            self._follow_to_now()
        self._fit_y()
        self._refresh_empty_state()
        self._refresh_legend()

    def has_pending_data(self) -> bool:
        """True while data waits for the next redraw."""
        return self._throttle.pending()

    def _refresh_empty_state(self) -> None:
        t0, t1 = self.visible_range()
        self.empty_state.set_empty(not self._has_data_in(t0, t1))

    def _refresh_legend(self) -> None:
        text = self._legend_html()
        self.legend.setText(text)
        self.legend.setVisible(bool(text))

    # -- crosshair read-out ----------------------------------------------------------------------------------------
    def read_at(self, x: float) -> str:
        """Put the crosshair on the bucket holding time ``x`` and show its read-out; returns it as plain text
        (empty when nothing is there)."""
        px = self.plot.mapFromScene(self.view.mapViewToScene(pg.Point(x, 0))).x()
        self._pointer_moved(x, 0.0, float(px))
        return self._readout_plain

    def readout_text(self) -> str:
        """The read-out on screen as plain text (empty while hidden)."""
        return self._readout_plain if self.readout.isVisible() else ""

    def _pointer_moved(self, x: float, _y: float, px: float) -> None:
        readout = self._readout(x)
        if readout is None or not readout.rows:
            self._pointer_left()
            return
        self.crosshair.place(readout.at)
        when = format_instant(readout.at)
        lines = [f"<b>{html.escape(when)}</b>"]
        plain = [when]
        for row in readout.rows:
            swatch = f'<span style="color:{hex_colour(row.colour)}">■</span>&nbsp;' if row.colour is not None else ""
            lines.append(swatch + html.escape(row.text))
            plain.append(row.text)
        self._readout_plain = "\n".join(plain)
        self.readout.show_at("<br>".join(lines), px)

    def _pointer_left(self) -> None:
        self.crosshair.hide()
        self.readout.hide()
        self._readout_plain = ""

    # -- export, language, font ------------------------------------------------------------------------------------
    def export_png(self, path: str) -> None:
        """Save the chart as it is on screen, up to date, as a PNG: the legend over the plot at its size (and what
        a subclass shows under it), without the toolbar; ``OSError`` if it cannot be written."""
        self.flush()
        save_png(self._export_parts(), path)

    def export_image(self) -> QImage:
        """The picture :meth:`export_png` writes, for a worker to save (the UI thread never waits on the disk)."""
        self.flush()
        return stacked_image(self._export_parts())

    def _export_parts(self) -> list[QWidget]:
        return [self.legend, self.plot]

    def retranslate(self) -> None:
        """Re-read every word in the current language."""
        self._retranslate_base()
        self._retranslate_extra()
        self._refresh_legend()

    def _retranslate_base(self) -> None:
        for name, button in self.preset_buttons.items():
            button.setText(t(*PRESET_WORDS[name]))
            button.setToolTip(t(f"แสดง {PRESET_WORDS[name][0]} ล่าสุด", f"Show the last {PRESET_WORDS[name][1]}"))
        self.follow_button.setText(t("ตามเวลาปัจจุบัน", "Follow now"))
        self.follow_button.setToolTip(t("เลื่อนกราฟตามเวลาปัจจุบันและข้อมูลใหม่ (ซูมหรือเลื่อนกราฟเองจะหยุดตาม)",
                                        "Keep the newest data in view (zooming or panning stops following)"))
        self.export_button.setText(t("ส่งออก", "Export"))
        self._export_png.setText(t("ภาพ PNG…", "PNG image…"))
        self._export_csv.setText(t("ข้อมูล CSV…", "CSV data…"))
        self.axis.refresh()
        if self.empty_state.showing:
            self.empty_state.set_empty(True)
        self._pointer_left()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationFontChange:
            self.axis.refresh()
        super().changeEvent(event)

    # -- for subclasses --------------------------------------------------------------------------------------------
    def add_tool(self, widget: QWidget) -> None:
        """Put ``widget`` in the toolbar, after the presets and before *Export*."""
        self.toolbar.insertWidget(self.toolbar.count() - 2, widget)

    def _apply(self, *payload: Any) -> None:
        """Draw the data handed to ``_submit``."""
        raise NotImplementedError

    def _has_data_in(self, t0: float, t1: float) -> bool:
        """True when anything is drawn in [t0, t1)."""
        raise NotImplementedError

    def _readout(self, x: float) -> Readout | None:
        """What the crosshair reads at time ``x``; None where there is nothing to read."""
        return None

    def _y_range_for(self, t0: float, t1: float) -> tuple[float, float] | None:
        """The y range to show for the window [t0, t1]; None leaves it to pyqtgraph's auto-range of what is
        visible."""
        return None

    def _legend_html(self) -> str:
        return ""

    def _retranslate_extra(self) -> None:
        """Re-read the subclass's own words."""
