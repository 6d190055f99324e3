"""The queue panel's area filter: what the console says is in effect shows (its name as plain text, a way to clear
it) and goes into the filter; the Areas menu and its name dialogs only ask."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QInputDialog

from tests.widgets.incident_fakes import FakeFetcher, Row
from widgets.i18n import set_language
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel
from widgets.incident_rows import QueueFilterData

RING = ((98.99, 18.78), (99.01, 18.78), (99.01, 18.80))
HOSTILE = "<b>ริมน้ำ</b> & Co"


@pytest.fixture
def panel(qtbot) -> Iterator[IncidentQueuePanel]:  # type: ignore[no-untyped-def]
    set_language("en")
    model = IncidentQueueModel(FakeFetcher(immediate=True))
    panel = IncidentQueuePanel(model, current_user="somchai")
    qtbot.addWidget(panel)
    model.set_ids(range(1, 101), first_rows=[Row(id=i) for i in range(1, 101)])
    panel.show()
    yield panel
    set_language("th")


def _actions(panel: IncidentQueuePanel) -> dict[str, list]:  # type: ignore[type-arg]
    found: dict[str, list] = {}  # type: ignore[type-arg]
    for action in panel.areas_menu.actions():
        found.setdefault(action.objectName(), []).append(action)
    return found


def _answer(qtbot, panel: IncidentQueuePanel, text: str) -> None:  # type: ignore[no-untyped-def]
    def shown() -> list[QInputDialog]:  # an answered one is deleted later: only the one on screen asks now
        return [d for d in panel.findChildren(QInputDialog, "areaNameDialog") if d.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1)
    dialog = shown()[0]
    dialog.setTextValue(text)
    dialog.accept()


def test_the_area_in_effect_filters_and_shows(panel: IncidentQueuePanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert not panel.area_label.isVisible() and not panel.area_clear.isVisible()
    assert panel.current_filter().area is None
    with qtbot.waitSignal(panel.sig_filter_changed) as changed:
        panel.set_area([list(p) for p in RING], None)
    assert changed.args == [QueueFilterData(area=RING)]
    assert panel.area_label.isVisible() and "not saved" in panel.area_label.text()
    # Only the name changes (the area was saved): the queue's filter is the same, so no new query.
    with qtbot.assertNotEmitted(panel.sig_filter_changed, wait=50):
        panel.set_area(RING, HOSTILE)
    assert panel.area_label.text() == f"Area filter: {HOSTILE}"
    assert panel.area_label.textFormat() == panel.count_label.textFormat()  # plain text, never rich
    with qtbot.waitSignal(panel.sig_area_clear_requested):
        panel.area_clear.click()
    with qtbot.waitSignal(panel.sig_filter_changed) as changed:
        panel.set_area(None, None)
    assert changed.args[0].area is None and not panel.area_label.isVisible() and panel.area_name is None
    # Other filters keep the area.
    panel.set_area(RING, None)
    with qtbot.waitSignal(panel.sig_filter_changed) as changed:
        panel.preset.setCurrentIndex(panel.preset.findData("all"))
    assert changed.args[0] == QueueFilterData(status=None, area=RING)


def test_the_areas_menu_asks(panel: IncidentQueuePanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    actions = _actions(panel)
    assert "areaApply" not in actions
    assert not any(a.isEnabled() for key in ("areaSave", "areaRename", "areaDelete", "areaClear")
                   for a in actions[key])

    panel.set_saved_areas(["Old city", HOSTILE])
    panel.set_area(RING, HOSTILE)
    actions = _actions(panel)
    assert [a.data() for a in actions["areaApply"]] == ["Old city", HOSTILE]
    assert [a.text() for a in actions["areaApply"]] == ["Old city", "<b>ริมน้ำ</b> && Co"]  # "&" is no mnemonic
    assert [a.isChecked() for a in actions["areaApply"]] == [False, True]
    assert all(actions[key][0].isEnabled() for key in ("areaSave", "areaRename", "areaDelete", "areaClear"))

    with qtbot.waitSignal(panel.sig_area_apply_requested) as applied:
        actions["areaApply"][0].trigger()
    assert applied.args == ["Old city"]
    with qtbot.waitSignal(panel.sig_area_save_requested) as saved:
        actions["areaSave"][0].trigger()
        _answer(qtbot, panel, "Riverside")
    assert saved.args == ["Riverside"]
    with qtbot.waitSignal(panel.sig_area_rename_requested) as renamed:
        actions["areaRename"][0].trigger()
        _answer(qtbot, panel, "Ping riverside")
    assert renamed.args == [HOSTILE, "Ping riverside"]
    with qtbot.waitSignal(panel.sig_area_delete_requested) as deleted:
        actions["areaDelete"][0].trigger()
    assert deleted.args == [HOSTILE]
    with qtbot.waitSignal(panel.sig_area_clear_requested):
        actions["areaClear"][0].trigger()

    # An empty name asks nothing; an area drawn but not saved can be saved, not renamed or deleted.
    with qtbot.assertNotEmitted(panel.sig_area_save_requested, wait=50):
        panel.ask_save_area()
        _answer(qtbot, panel, "   ")
    panel.set_area(RING, None)
    actions = _actions(panel)
    assert actions["areaSave"][0].isEnabled() and not actions["areaRename"][0].isEnabled()
    assert not actions["areaDelete"][0].isEnabled() and panel.ask_rename_area() is None
