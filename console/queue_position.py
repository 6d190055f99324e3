"""Where the operator is in the incident queue, kept across a reload: the selected incident and the rows on screen.

A reload replaces the queue's id list (one model reset). Kept by incident, not by row number: when incidents
arrive above the ones on screen, the incident in the top row keeps its place, so what the operator reads does not
slide away. At the very top, the view stays at the top (new incidents come into sight there). A list the operator
asked for (a filter, a sort) starts at its top, or where the selected incident is.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QAbstractItemView

from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel


@dataclass(frozen=True, slots=True)
class QueuePosition:
    """The selection and the scroll of the queue at one moment."""

    selected: int | None
    top_incident: int | None  # in the top row, when scrolled down (None at the top)
    within: int  # pixels of the top row scrolled past (per-pixel scrolling)
    value: int  # the scroll bar's value

    @classmethod
    def capture(cls, panel: IncidentQueuePanel, model: IncidentQueueModel) -> QueuePosition:
        view = panel.table
        value = view.verticalScrollBar().value()
        top_row = view.rowAt(0)
        top = model.id_at(top_row) if value > 0 and top_row >= 0 else None
        within = value - view.verticalHeader().sectionPosition(top_row) if top is not None else 0
        return cls(panel.selected_id(), top, within, value)

    def restore(self, panel: IncidentQueuePanel, model: IncidentQueueModel, *, new_list: bool) -> None:
        """Select the same incident again (without a selection signal) and put the rows back on screen."""
        view = panel.table
        bar = view.verticalScrollBar()
        if self.selected is not None:
            panel.select_incident(self.selected)  # it scrolls the row into view: the scroll is set again below
        if new_list:
            if self.selected is None or model.row_of_id(self.selected) < 0:
                bar.setValue(0)
            return
        row = model.row_of_id(self.top_incident) if self.top_incident is not None else -1
        if row < 0:
            bar.setValue(self.value)
        elif view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            bar.setValue(row)
        else:
            bar.setValue(view.verticalHeader().sectionPosition(row) + self.within)
