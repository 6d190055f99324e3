"""The console without a mouse: keys that reach the incident queue, the detail panel and the map.

- Ctrl+F (*Incidents → Find incidents*) brings the queue forward with the keyboard in its search box.
- Alt+1 … Alt+5 bring a dock forward with the keyboard in it (console.main_window, *View → Go to panel*): the queue
  gives it to its table, the detail panel to its first action that can be taken; Alt+0 gives it to the map.
- In the queue, the arrow keys select (the detail panel follows) and Enter opens the incident to act on: the detail
  panel comes forward with the keyboard on its first available action.
- The common workflow actions have keys of their own (widgets.incident_rows.ACTION_KEYS) and Ctrl+M shows the
  incident on the map: they are listed in the *Incidents* menu, so they work wherever the keyboard is.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt

from console.incident_controller import IncidentController
from console.main_window import MainWindow
from widgets.incident_queue_model import ID_ROLE


class IncidentKeys(QObject):
    """Wires the keys above for one window."""

    def __init__(self, window: MainWindow, incidents: IncidentController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._incidents = incidents
        queue, detail = incidents.queue, incidents.detail
        queue.setFocusProxy(queue.table)  # Alt+1: the table, where the arrow keys select
        window.add_incident_actions([*detail.action_bar.key_actions.values(), detail.map_action])
        window.sig_find_requested.connect(self.find)
        queue.table.activated.connect(self._open)
        detail.sig_incident_shown.connect(self._shown)
        self._opening: int | None = None  # Enter was pressed on this incident: act on it once the panel shows it

    def find(self) -> None:
        """Ctrl+F: the queue's search box takes the keyboard, its text selected to type over."""
        self._window.focus_dock("incidents")
        search = self._incidents.queue.search
        search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        search.selectAll()

    def _open(self, index: QModelIndex) -> None:
        """Enter (or a double-click) on a queue row: that incident, in the detail panel, ready to act on."""
        incident_id = index.data(ID_ROLE)
        if incident_id is None:
            return
        self._window.focus_dock("incidentDetail")
        if self._incidents.detail.incident_id == int(incident_id):
            self._incidents.detail.focus_actions()
        else:  # still loading (the row was selected a moment ago): the keyboard follows once it is shown
            self._opening = int(incident_id)
            self._incidents.show_incident(int(incident_id), source="queue")

    def _shown(self, incident_id: int) -> None:
        if incident_id == self._opening:
            self._opening = None
            self._incidents.detail.focus_actions()
