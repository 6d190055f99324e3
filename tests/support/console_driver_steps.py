"""The console driver's script steps that go beyond one button in the detail panel: merges, related and major
incidents picked in the queue's right-click menu, a split picked in the links box, a corrected description typed
into its dialog (tests.support.console_driver runs them; the mixin uses its Driver's state and helpers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def local_ids(store: Any, server_ids: list[str]) -> list[int | None]:
    """Database worker: the store's ids of incidents named by their server ids (as a map click looks them up)."""
    return [store.incident_id_for_server_id(sid) for sid in server_ids]


class LinkSteps:
    """Step handlers mixed into ``Driver``: they use its ``detail``, ``incidents``, ``c`` (the controller),
    ``_pending``, ``_watchdog``, ``_waiting_for``, ``_row_role``, ``_wait_until`` and ``_fail``."""

    detail: Any
    incidents: Any
    c: Any
    _pending: tuple[str, str] | None
    _watchdog: Any
    _waiting_for: str
    _row_role: Any
    _wait_until: Callable[[Callable[[], bool], Callable[[], None]], None]
    _fail: Callable[[str], None]

    def _click(self, step: dict[str, Any], button: Any) -> None:
        """Press ``button`` for the step (it must be enabled: the console offers the action) and await "saved"."""
        if not button.isEnabled():
            self._fail(f"TIMEOUT {step['action']}: {button.text()!r} not enabled on {step['incident']}")
            return
        self._pending = (step["action"], step["marker"])
        self._watchdog.start()
        button.click()

    def _describe(self, step: dict[str, Any]) -> None:
        """"Edit description…", type the corrected text into the dialog it opens, "Save description"."""
        if not self.detail.describe_button.isEnabled():
            self._fail(f"TIMEOUT describe not enabled on {step['incident']}")
            return
        self.detail.describe_button.click()
        dialog = self.detail.description_dialog
        if dialog is None or not dialog.isVisible():
            self._fail(f"TIMEOUT describe: no description dialog on {step['incident']}")
            return
        dialog.editor.setPlainText(step["description"])
        self._click(step, dialog.save_button)

    def _split(self, step: dict[str, Any]) -> None:
        """Pick the merged duplicate in the links box's list (by the number it shows), then "Split out"."""
        (duplicate,) = step["others"]
        links = self.detail.links
        texts = [links.item(i).text() for i in range(links.count())]
        row = next((i for i, text in enumerate(texts) if text.startswith(f"#{duplicate} ")), None)
        if row is None:
            self._fail(f"TIMEOUT split: #{duplicate} not in the links of {step['incident']}: {texts}")
            return
        links.setCurrentRow(row)
        self._click(step, self.detail.split_button)

    def _link_from_queue(self, step: dict[str, Any]) -> None:
        """Select the others in the queue with the (shown) incident as the current row, right-click, choose."""
        target = self.detail.incident_id
        others = [str(o) for o in step.get("others", [])]
        self._waiting_for = f"{step['action']}: the incidents {others} in the store"
        self.c.runner.run_db(local_ids, self.c.store, others,
                             on_done=lambda ids: self._select_in_queue(step, [target, *ids]))

    def _select_in_queue(self, step: dict[str, Any], ids: list[int | None]) -> None:
        if None in ids:
            self._fail(f"TIMEOUT {step['action']}: not every incident of {step} is in the store")
            return
        model, found = self.incidents.model, [int(i) for i in ids if i is not None]

        def listed_and_loaded() -> bool:  # a row not loaded yet has nothing for the menu to judge by
            rows = [model.row_of_id(i) for i in found]
            return all(r >= 0 and model.index(r, 0).data(self._row_role) is not None for r in rows)

        self._waiting_for = f"{step['action']}: {step['incident']} and {step.get('others')} listed in the queue"
        self._wait_until(listed_and_loaded, lambda: self._choose_from_menu(step, found))

    def _choose_from_menu(self, step: dict[str, Any], ids: list[int]) -> None:
        from PySide6.QtCore import QItemSelectionModel

        model, table = self.incidents.model, self.incidents.queue.table
        selection = table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        selection.clearSelection()
        for incident_id in ids[1:]:  # Ctrl+click on each other row, then the target last: it is the current row
            selection.select(model.index(model.row_of_id(incident_id), 0), flags)
        target = model.index(model.row_of_id(ids[0]), 0)
        selection.setCurrentIndex(target, flags)
        table.customContextMenuRequested.emit(table.visualRect(target).center())  # the right-click
        menu = self.incidents.links.queue_menu.menu
        entries = [] if menu is None else menu.actions()
        entry = next((a for a in entries if a.objectName() == f"link_{step['action']}" and a.isEnabled()), None)
        if menu is not None:
            menu.close()
        if entry is None:
            self._fail(f"TIMEOUT {step['action']} not in the queue menu of {step['incident']}: "
                       f"{[a.text() for a in entries]}")
            return
        self._pending = (step["action"], step["marker"])
        self._watchdog.start()
        entry.trigger()
