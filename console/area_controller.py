"""The incident area filter: one polygon filters the map and the queue alike, named areas are kept for reuse, and the
area in effect is there again after a restart.

The operator draws on the map, or picks, saves, renames, deletes and clears areas from the queue's *Areas* menu
(also under *Map*). Each change is a pure function of the ``map_areas`` setting (services.map_areas), run here (a
polygon has at most a thousand points); the map and the queue are then told what is in effect, from this one
value, so they never disagree, and the new value is written into ``settings.json`` on the database worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from console.main_window import MainWindow
from console.map_controller import MapController
from console.task_runner import TaskRunner, first_imports
from widgets.failure_text import describe_failure
from widgets.i18n import t
from widgets.incident_queue_panel import IncidentQueuePanel

if TYPE_CHECKING:
    from services.map_areas import AreaProblem, MapAreas

log = logging.getLogger(__name__)


def _write_areas(path: Path, areas: MapAreas) -> None:
    with first_imports():
        from services.settings import save_setting
    save_setting(path, "map_areas", areas.model_dump(mode="json"))


def problem_text(problem: AreaProblem) -> str:
    """Why an area change was not made, in the current language."""
    from services.map_areas import MAX_AREA_POINTS, MAX_NAME_CHARS, MAX_SAVED_AREAS

    name = problem.name or ""
    if problem.code == "invalid_polygon":
        if problem.reason == "too_many_points":
            return t(f"พื้นที่นี้มีจุดมุมมากเกินไป (ได้ไม่เกิน {MAX_AREA_POINTS:,} จุด): ไม่ได้ใช้กรอง",
                     f"This area has too many corners (at most {MAX_AREA_POINTS:,}): it does not filter")
        if problem.reason == "outside_region":
            return t("พื้นที่ต้องอยู่ในภาคเหนือตอนบนรอบจังหวัดเชียงใหม่: ไม่ได้ใช้กรอง",
                     "An area must lie in the upper north around Chiang Mai province: it does not filter")
        return t("ใช้พื้นที่ที่วาดนี้กรองไม่ได้", "This drawn area cannot be used as a filter")
    if problem.code == "invalid_name":
        return t(f"ชื่อพื้นที่ต้องเป็นข้อความ 1–{MAX_NAME_CHARS} ตัวอักษร ไม่มีอักขระควบคุม",
                 f"An area name must be 1–{MAX_NAME_CHARS} characters of text, without control characters")
    if problem.code == "duplicate_name":
        return t(f"มีพื้นที่ชื่อ “{name}” อยู่แล้ว: ใช้ชื่ออื่น", f"There is already an area called “{name}”: "
                 "choose another name")
    if problem.code == "unknown_area":
        return t(f"ไม่มีพื้นที่ชื่อ “{name}” แล้ว", f"There is no area called “{name}” any more")
    if problem.code == "too_many_areas":
        return t(f"บันทึกพื้นที่ได้ไม่เกิน {MAX_SAVED_AREAS} พื้นที่: ลบพื้นที่ที่ไม่ใช้ก่อน",
                 f"At most {MAX_SAVED_AREAS} areas can be kept: delete one you no longer use first")
    return t("ยังไม่มีพื้นที่กรอง: วาดพื้นที่บนแผนที่ก่อน", "There is no area filter: draw an area on the map first")


class AreaController(QObject):
    """Owns the ``map_areas`` setting of one console while it runs."""

    sig_area_applied = Signal(object)
    """The area filter in effect was shown on the map and given to the queue: a services.map_areas.ActiveArea,
    or None when there is none."""

    def __init__(self, runner: TaskRunner, window: MainWindow, map_controller: MapController,
                 queue: IncidentQueuePanel, notify: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._map = map_controller
        self._queue = queue
        self._notify = notify
        self._areas: MapAreas | None = None  # None until the settings have been read
        self._settings_file: Path | None = None
        self._drawn_early: list[list[float]] | None = None  # drawn before the settings were read: applied after

        window.map_menu.addSeparator()
        window.map_menu.addMenu(queue.areas_menu)
        map_controller.sig_area_filter_changed.connect(self._on_drawn)
        queue.sig_area_clear_requested.connect(self.clear)
        queue.sig_area_apply_requested.connect(self.apply_saved)
        queue.sig_area_save_requested.connect(self.save_as)
        queue.sig_area_rename_requested.connect(self.rename)
        queue.sig_area_delete_requested.connect(self.delete)

    @property
    def areas(self) -> MapAreas | None:
        """The setting as it stands (None before the settings have been read)."""
        return self._areas

    def restore(self, areas: MapAreas, settings_file: Path) -> None:
        """The setting read at start-up: the area in effect last time filters the map and the queue again."""
        self._areas = areas
        self._settings_file = settings_file
        self._show()
        drawn, self._drawn_early = self._drawn_early, None
        if drawn is not None:
            self._on_drawn(drawn)

    # --- what the operator asks ------------------------------------------------------------------------------------

    def _on_drawn(self, polygon: list[list[float]]) -> None:
        if self._areas is None:
            self._drawn_early = polygon
            return
        if polygon:
            self.draw(polygon)
        else:
            self.clear()

    def draw(self, polygon: Sequence[Sequence[float]]) -> None:
        """A polygon drawn on the map filters incidents (not saved, no name)."""
        self._change(lambda m, areas: m.draw(areas, polygon))

    def clear(self) -> None:
        """No area filter, on the map or in the queue."""
        self._change(lambda m, areas: m.clear(areas))

    def apply_saved(self, name: str) -> None:
        """Filter by the saved area ``name`` (redrawn on the map)."""
        self._change(lambda m, areas: m.apply_saved(areas, name))

    def save_as(self, name: str) -> None:
        """Keep the area in effect under ``name``."""
        if self._change(lambda m, areas: m.save_active(areas, name)):
            self._notify(t(f"บันทึกพื้นที่ “{self._queue.area_name}” แล้ว", f"Area “{self._queue.area_name}” saved"))

    def rename(self, old: str, new: str) -> None:
        """Rename the saved area ``old``."""
        if self._change(lambda m, areas: m.rename(areas, old, new)):
            self._notify(t(f"เปลี่ยนชื่อพื้นที่เป็น “{self._queue.area_name}” แล้ว",
                           f"Area renamed “{self._queue.area_name}”"))

    def delete(self, name: str) -> None:
        """Forget the saved area ``name`` (an area in effect stays in effect, unnamed)."""
        if self._change(lambda m, areas: m.delete(areas, name)):
            self._notify(t(f"ลบพื้นที่ “{name}” ออกจากรายการแล้ว", f"Area “{name}” deleted from the list"))

    # --- applying a change ---------------------------------------------------------------------------------------

    def _change(self, change: Callable[[ModuleType, MapAreas], MapAreas]) -> bool:
        """Apply ``change(services.map_areas, areas)``; show the result, or say why it was refused."""
        if self._areas is None:
            return False  # nothing to change before the settings are read (and services.map_areas is imported)
        # Imported on the database worker with the settings at start-up: here it is only looked up.
        from services import map_areas

        try:
            areas = change(map_areas, self._areas)
        except map_areas.AreaProblem as problem:
            log.info("%s", problem)
            self._notify(problem_text(problem))
            self._show()  # a refused drawing leaves the map: it shows the filter the queue applies
            return False
        self._areas = areas
        self._show()
        # Each write carries the whole setting, so a newer one may replace one not yet written.
        self._runner.run_db(_write_areas, self._settings_file, areas, key="map-areas-write",
                            on_error=self._write_failed)
        return True

    def _show(self) -> None:
        assert self._areas is not None
        active = self._areas.active
        polygon, name = (active.polygon, active.name) if active is not None else (None, None)
        self._map.show_area(polygon, name)
        self._queue.set_saved_areas(self._areas.names())
        self._queue.set_area(polygon, name)
        self.sig_area_applied.emit(active)

    def _write_failed(self, exc: BaseException) -> None:
        log.warning("the map areas could not be written: %s", exc)
        self._notify(t("ตัวกรองพื้นที่ใช้อยู่ แต่บันทึกไว้สำหรับครั้งหน้าไม่ได้: ",
                       "The area filter applies, but could not be kept for the next start: ") + describe_failure(exc))
