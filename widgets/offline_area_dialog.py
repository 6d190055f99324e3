""""Save area for offline": the operator picks an area, sees the tile count and size first, then downloads with a
progress bar and can cancel. The dialog only asks and shows; the console runs the work on its workers and feeds the
answers back through ``set_estimate`` / ``set_progress`` / ``set_finished`` / ``set_failed``.

The area is a list of parts, each with its own zoom range (services.tiles.offline_areas). The first choice, and the
default, is where the console goes on a bad night: the whole province to zoom 12 with the city and the flood-prone
districts to zoom 16, so that selecting an incident there still has street detail offline. The map's current view
and the whole province, at a zoom range of the operator's choice, are the other choices.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from services.tiles.offline_areas import PROVINCE_BBOX, AreaPart
from widgets.i18n import current_language, t

BBox = tuple[float, float, float, float]  # (west, south, east, north), degrees
CHIANG_MAI_BBOX: BBox = PROVINCE_BBOX
MAX_ZOOM = 16  # tile servers' bulk-download limits; the service refuses deeper zooms too
MAX_TILES = 10_000
Area = tuple[AreaPart, ...]


def describe_area(area: Sequence[AreaPart]) -> str:
    """The parts of an area in words, grouped by zoom range: "Zoom 8–12: Chiang Mai province · Zoom 13–16: …"."""
    thai = current_language() == "th"
    groups: dict[tuple[int, int], list[str]] = {}
    for part in area:
        name = (part.name_th if thai else part.name_en) or part.name_en or part.name_th
        groups.setdefault((part.zmin, part.zmax), []).append(name)
    return "\n".join(t(f"ซูม {zmin}–{zmax}: ", f"Zoom {zmin}–{zmax}: ") + ", ".join(names)
                     for (zmin, zmax), names in sorted(groups.items()))


def format_bytes(size: int) -> str:
    """A size for people: 850 KB, 12.4 MB, 1.2 GB."""
    if size < 1024 * 1024:
        return f"{max(size, 0) / 1024:.0f} KB"
    if size < 1024 ** 3:
        return f"{size / 1024 ** 2:.1f} MB"
    return f"{size / 1024 ** 3:.2f} GB"


class OfflineAreaDialog(QDialog):
    """Area (parts with zoom ranges) → estimate → download with progress and cancel."""

    sig_estimate_requested = Signal(object)
    """The tile count and size of an area (a tuple of AreaPart) are wanted; answer with ``set_estimate``."""
    sig_prefetch_requested = Signal(object)
    """The operator started saving an area (a tuple of AreaPart) for offline use."""
    sig_cancel_requested = Signal()
    """The operator cancelled the download in progress."""

    def __init__(self, view_bbox: BBox | None = None, province_bbox: BBox = CHIANG_MAI_BBOX, *,
                 detail_area: Sequence[AreaPart] = (), zmin: int = 10, zmax: int = 13, max_zoom: int = MAX_ZOOM,
                 max_tiles: int = MAX_TILES, parent: QWidget | None = None) -> None:
        """``view_bbox`` is the map's current view (None disables that choice); ``detail_area`` is the province with
        the city and flood-prone districts in detail (services.tiles.offline_areas.province_with_flood_districts),
        offered first and chosen by default (empty disables that choice)."""
        super().__init__(parent)
        self._view_bbox = view_bbox
        self._province_bbox = province_bbox
        self._detail_area: Area = tuple(detail_area)
        self._max_tiles = max_tiles
        self._running = False
        self._estimate_for: Area | None = None  # the selection the shown estimate belongs to
        self._estimate: tuple[int, int, int] | None = None

        self.detail_choice = QRadioButton(self)
        self.view_choice = QRadioButton(self)
        self.province_choice = QRadioButton(self)
        self.zmin_spin = QSpinBox(self)
        self.zmax_spin = QSpinBox(self)
        self.area_label = QLabel(self)
        self.estimate_label = QLabel(self)
        self.progress = QProgressBar(self)
        self.status_label = QLabel(self)
        self.start_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        self.close_button = QPushButton(self)
        self._zoom_label = QLabel(self)
        self._to_label = QLabel(self)
        # Coalesces quick spin-box changes into one estimate request.
        self._estimate_timer = QTimer(self)

        self.setObjectName("offlineAreaDialog")
        self.setModal(False)
        self.detail_choice.setEnabled(bool(self._detail_area))
        self.detail_choice.setVisible(bool(self._detail_area))
        self.view_choice.setEnabled(view_bbox is not None)
        default = (self.detail_choice if self._detail_area else
                   self.view_choice if view_bbox is not None else self.province_choice)
        default.setChecked(True)
        for spin in (self.zmin_spin, self.zmax_spin):
            spin.setRange(0, max_zoom)
        self.zmin_spin.setValue(min(zmin, max_zoom))
        self.zmax_spin.setValue(min(max(zmax, zmin), max_zoom))
        self.estimate_label.setWordWrap(True)
        self.area_label.setWordWrap(True)
        self.status_label.setWordWrap(True)
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.start_button.setEnabled(False)
        self.start_button.setDefault(True)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(200)

        zoom_row = QHBoxLayout()
        zoom_row.addWidget(self.zmin_spin)
        zoom_row.addWidget(self._to_label)
        zoom_row.addWidget(self.zmax_spin)
        zoom_row.addStretch(1)
        form = self._form = QFormLayout()
        form.addRow(self.detail_choice)
        form.addRow(self.view_choice)
        form.addRow(self.province_choice)
        form.addRow(self.area_label)
        form.addRow(self._zoom_label, zoom_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.estimate_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.view_choice.toggled.connect(self._selection_changed)
        self.detail_choice.toggled.connect(self._selection_changed)
        self.zmin_spin.valueChanged.connect(self._zmin_changed)
        self.zmax_spin.valueChanged.connect(self._zmax_changed)
        self._estimate_timer.timeout.connect(self.request_estimate)
        self.start_button.clicked.connect(self._start)
        self.cancel_button.clicked.connect(self.sig_cancel_requested)
        self.close_button.clicked.connect(self.reject)

        self._enable_zoom()
        self.retranslate()
        # Ask for the first estimate once the caller has had the chance to connect the signal.
        QTimer.singleShot(0, self.request_estimate)

    # --- what is selected ------------------------------------------------------------------------------------------

    def selection(self) -> Area:
        """The chosen area: its parts, each a bbox with a zoom range."""
        if self.detail_choice.isChecked() and self._detail_area:
            return self._detail_area
        use_view = self.view_choice.isChecked() and self._view_bbox is not None
        bbox = self._view_bbox if use_view else self._province_bbox
        assert bbox is not None
        return (AreaPart(bbox, self.zmin_spin.value(), self.zmax_spin.value()),)

    def request_estimate(self) -> None:
        """Emit ``sig_estimate_requested`` for the current selection (Start waits for its answer)."""
        if self._running:
            return
        self._estimate_timer.stop()
        self._estimate_for = self.selection()
        self._estimate = None
        self.start_button.setEnabled(False)
        self.estimate_label.setText(t("กำลังคำนวณจำนวนไทล์…", "Counting tiles…"))
        self.sig_estimate_requested.emit(self._estimate_for)

    def _selection_changed(self) -> None:
        self._enable_zoom()
        self._show_area()
        self._estimate = None
        self.start_button.setEnabled(False)
        self._estimate_timer.start()

    def _zmin_changed(self, value: int) -> None:
        if self.zmax_spin.value() < value:
            self.zmax_spin.setValue(value)  # keeps zmin <= zmax; its own signal re-plans
        self._selection_changed()

    def _zmax_changed(self, value: int) -> None:
        if self.zmin_spin.value() > value:
            self.zmin_spin.setValue(value)
        self._selection_changed()

    # --- answers from the console ----------------------------------------------------------------------------------

    def set_estimate(self, tiles: int, estimated_bytes: int, cached: int) -> None:
        """Show the estimate for the last requested selection; enables Start when the area may be saved."""
        if self._running or self._estimate_for != self.selection():
            return  # the answer to a selection the operator has since changed
        self._estimate = (tiles, estimated_bytes, cached)
        to_fetch = max(tiles - cached, 0)
        size = format_bytes(estimated_bytes)
        text = t(f"{tiles:,} ไทล์ · บันทึกไว้แล้ว {cached:,} · ต้องดาวน์โหลด {to_fetch:,} (ประมาณ {size})",
                 f"{tiles:,} tiles · {cached:,} already saved · {to_fetch:,} to download (about {size})")
        if tiles > self._max_tiles:
            text += "\n" + t(f"เกินขีดจำกัด {self._max_tiles:,} ไทล์ต่อครั้ง: เลือกพื้นที่หรือช่วงซูมให้เล็กลง",
                             f"More than the {self._max_tiles:,} tiles allowed at once: pick a smaller area or "
                             f"zoom range")
        elif to_fetch == 0:
            text += "\n" + t("พื้นที่นี้บันทึกไว้ครบแล้ว", "This area is already saved.")
        self.estimate_label.setText(text)
        self.start_button.setEnabled(0 < to_fetch and tiles <= self._max_tiles)

    def set_progress(self, done: int, total: int) -> None:
        """Show download progress (tiles done of total, cached ones included)."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.status_label.setText(t(f"ดาวน์โหลดแล้ว {done:,} จาก {total:,} ไทล์", f"{done:,} of {total:,} tiles"))

    def set_finished(self, fetched: int, failed: int, cancelled: bool) -> None:
        """The download ended (completed, cancelled, or stopped); controls come back for another area."""
        self._set_running(False)
        if cancelled:
            text = t(f"ยกเลิกแล้ว: บันทึก {fetched:,} ไทล์ (เริ่มใหม่จะดาวน์โหลดต่อจากเดิม)",
                     f"Cancelled: {fetched:,} tiles saved (starting again resumes)")
        else:
            text = t(f"เสร็จแล้ว: บันทึก {fetched:,} ไทล์", f"Done: {fetched:,} tiles saved")
        if failed:
            text += t(f" · ล้มเหลว {failed:,}", f" · {failed:,} failed")
        self.status_label.setText(text)
        self.request_estimate()

    def set_failed(self, message: str) -> None:
        """The download could not start or stopped with an error (``message`` is already UI text)."""
        self._set_running(False)
        self.status_label.setText(message)
        self.request_estimate()

    @property
    def running(self) -> bool:
        """True between Start and ``set_finished`` / ``set_failed``."""
        return self._running

    # --- internals -------------------------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._estimate is None or self._running:
            return
        area = self.selection()
        self._set_running(True)
        self.set_progress(0, self._estimate[0])
        self.sig_prefetch_requested.emit(area)

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.province_choice.setEnabled(not running)
        self.detail_choice.setEnabled(not running and bool(self._detail_area))
        self.view_choice.setEnabled(not running and self._view_bbox is not None)
        self._enable_zoom()
        self.start_button.setEnabled(False)
        self.start_button.setVisible(not running)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running or self.progress.value() > 0)

    def _enable_zoom(self) -> None:
        """The zoom range is the operator's for the view and the province; the detailed area has its own."""
        own = not (self.detail_choice.isChecked() and self._detail_area)
        for widget in (self.zmin_spin, self.zmax_spin):
            widget.setEnabled(own and not self._running)
        self._form.setRowVisible(self._zoom_label, own)  # the area's own zooms are in its description

    def _show_area(self) -> None:
        area = self.selection()
        if area is self._detail_area:
            self.area_label.setText(describe_area(area))
            return
        west, south, east, north = area[0].bbox
        self.area_label.setText(t(f"ลองจิจูด {west:.3f}–{east:.3f} · ละติจูด {south:.3f}–{north:.3f}",
                                  f"Longitude {west:.3f}–{east:.3f} · latitude {south:.3f}–{north:.3f}"))

    def retranslate(self) -> None:
        """Re-read every text in the current language."""
        self.setWindowTitle(t("บันทึกพื้นที่สำหรับใช้งานออฟไลน์", "Save area for offline use"))
        if self._detail_area:
            province = min(self._detail_area, key=lambda p: p.zmin)
            deepest = max(p.zmax for p in self._detail_area)
            self.detail_choice.setText(t(
                f"ทั้งจังหวัดถึงซูม {province.zmax} พร้อมตัวเมืองและอำเภอเสี่ยงน้ำท่วมถึงซูม {deepest} (แนะนำ)",
                f"The province to zoom {province.zmax}, with the city and flood-prone districts to zoom {deepest} "
                f"(recommended)"))
        self.view_choice.setText(t("พื้นที่ที่แสดงบนแผนที่ตอนนี้", "Current map view"))
        self.province_choice.setText(t("ทั้งจังหวัดเชียงใหม่", "All of Chiang Mai province"))
        self._zoom_label.setText(t("ระดับซูม", "Zoom levels"))
        self._to_label.setText(t("ถึง", "to"))
        self.start_button.setText(t("เริ่มดาวน์โหลด", "Start"))
        self.cancel_button.setText(t("ยกเลิกการดาวน์โหลด", "Cancel download"))
        self.close_button.setText(t("ปิด", "Close"))
        self._show_area()
        if self._estimate is not None:
            self.set_estimate(*self._estimate)

    def reject(self) -> None:
        """Close, Escape and the window's close box all end here (QDialog routes closeEvent to reject): a download
        in progress is cancelled rather than left running unseen."""
        if self._running:
            self.sig_cancel_requested.emit()
        super().reject()
