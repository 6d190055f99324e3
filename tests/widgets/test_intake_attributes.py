"""The intake dialog asks the chosen category's Open311 attributes: one field per datatype, labelled with the
server's description (plain text) in the UI language when the server writes it in both, required ones marked and
needed before Create enables, answers in the draft."""

from __future__ import annotations


import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
)

from tests.widgets.incident_fakes import HOSTILE
from tests.widgets.record_fakes import Attribute, Service, Value
from widgets.i18n import set_language
from widgets.incident_intake_dialog import IncidentIntakeDialog
from widgets.service_attribute_fields import BANGKOK








FIRE_SIZE = Attribute("fire_size", "singlevaluelist", "How large is the fire? / ขนาดของไฟ", required=True, order=1,
                      datatype_description="Visible extent",
                      values=(Value("small", "Small (< 1 rai) / เล็ก"), Value("medium", "Medium / กลาง"),
                              Value("large", "Large (> 10 rai) / ใหญ่")))
EVERY_KIND = (
    Attribute("info", "string", "Call 1362 / โทร 1362", variable=False, order=0),
    Attribute("started", "datetime", "When did it start? / เริ่มเมื่อไร", order=2),
    Attribute("area", "number", "Area, rai / พื้นที่ (ไร่)", required=True, order=3),
    Attribute("fuel", "multivaluelist", "Fuel / เชื้อเพลิง", order=4,
              values=(Value("grass", "Grass / หญ้า"), Value("trees", "Trees / ต้นไม้"), Value("crop", HOSTILE))),
    Attribute("access", "text", HOSTILE, order=5),
    Attribute("station", "string", "Ranger station / หน่วยพิทักษ์ป่า", order=6),
)
SERVICES = [Service("road", "ถนน (Road)", ()), Service("forest_fire", "ไฟป่า (Forest fire)", (FIRE_SIZE,)),
            Service("haze", "หมอกควัน (Haze)", (FIRE_SIZE, *EVERY_KIND)), Service("tree", "ต้นไม้ (Trees)")]


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


@pytest.fixture
def dialog(qtbot):  # type: ignore[no-untyped-def]
    dialog = IncidentIntakeDialog(SERVICES, lat=18.80, lon=98.92, district_code="5001", district_name="เมืองเชียงใหม่")
    qtbot.addWidget(dialog)
    dialog.description.setPlainText("ไฟไหม้ป่าดอยสุเทพ / Fire on Doi Suthep")
    return dialog


def choose(dialog: IncidentIntakeDialog, code: str) -> None:
    dialog.category.setCurrentIndex(dialog.category.findData(code))


def label_of(dialog: IncidentIntakeDialog, widget: object) -> str:
    label = dialog.form.labelForField(widget)
    assert isinstance(label, QLabel) and label.textFormat() == Qt.TextFormat.PlainText
    return label.text()


def test_forest_fire_asks_its_size_and_create_waits_for_it(dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    rows_without = dialog.form.rowCount()
    choose(dialog, "forest_fire")
    size = dialog.attribute_fields.field("fire_size")
    assert isinstance(size, QComboBox)
    assert [size.itemText(i) for i in range(size.count())] == ["— เลือก —", "เล็ก", "กลาง", "ใหญ่"]
    assert label_of(dialog, size) == "ขนาดของไฟ *"  # the Thai half of the server's "English / Thai"
    assert dialog.form.getWidgetPosition(size)[0] == 1  # right under the category
    assert dialog.attribute_fields.hint.isVisibleTo(dialog) and "ต้องระบุ" in dialog.attribute_fields.hint.text()
    assert "Visible extent" in size.toolTip()
    assert not dialog.create_button.isEnabled()
    assert dialog.problems.text() == "ระบุ “ขนาดของไฟ”"
    assert dialog.draft() is None

    size.setCurrentIndex(size.findData("medium"))
    assert dialog.create_button.isEnabled() and dialog.problems.text() == ""
    with qtbot.waitSignal(dialog.sig_create_requested) as blocker:
        dialog.create_button.click()
    draft = blocker.args[0]
    assert draft.category == "forest_fire" and draft.attributes == {"fire_size": "medium"}

    # Back to "not chosen" closes Create again; a category without attributes removes the rows.
    dialog.show_error("try again")
    size.setCurrentIndex(0)
    assert not dialog.create_button.isEnabled()
    choose(dialog, "road")
    assert dialog.attribute_fields.field("fire_size") is None and dialog.form.rowCount() == rows_without
    assert not dialog.attribute_fields.hint.isVisibleTo(dialog)
    assert dialog.create_button.isEnabled() and dialog.draft().attributes == {}
    choose(dialog, "tree")  # definition never synced: nothing to ask, the server judges
    assert dialog.form.rowCount() == rows_without and dialog.create_button.isEnabled()


def test_every_datatype_has_its_field(dialog) -> None:  # type: ignore[no-untyped-def]
    choose(dialog, "haze")
    fields = dialog.attribute_fields
    assert fields.codes() == ["fire_size", "started", "area", "fuel", "access", "station"]
    assert fields.field("info") is None  # not variable: shown, not asked
    info = [w for w in dialog.findChildren(QLabel) if w.text() == "โทร 1362"]
    assert len(info) == 1 and info[0].textFormat() == Qt.TextFormat.PlainText
    assert isinstance(fields.field("area"), QLineEdit) and isinstance(fields.field("station"), QLineEdit)
    assert isinstance(fields.field("access"), QPlainTextEdit) and isinstance(fields.field("fuel"), QListWidget)
    assert label_of(dialog, fields.field("access")) == HOSTILE  # hostile text shown as text
    assert label_of(dialog, fields.field("area")).endswith(" *")
    fuel = fields.field("fuel")
    assert [fuel.item(i).text() for i in range(fuel.count())] == ["หญ้า", "ต้นไม้", HOSTILE]

    fields.field("fire_size").setCurrentIndex(1)
    assert not dialog.create_button.isEnabled() and "พื้นที่" in dialog.problems.text()
    fields.field("area").setText("lots")  # setText passes the validator by; the form still refuses it
    assert not dialog.create_button.isEnabled() and "ต้องเป็นตัวเลข" in dialog.problems.text()
    fields.field("area").setText("12.5")
    assert dialog.create_button.isEnabled()
    assert dialog.draft().attributes == {"fire_size": "small", "area": "12.5"}

    fuel.item(0).setCheckState(Qt.CheckState.Checked)
    fuel.item(2).setCheckState(Qt.CheckState.Checked)
    fields.field("access").setPlainText("  ทางเข้าจากบ้านแม่ริม  ")
    fields.field("station").setText("หน่วยดอยสุเทพ")
    started = fields.field("started")
    when, given = started.findChild(QDateTimeEdit), started.findChild(QCheckBox)
    assert not when.isEnabled() and when.timeZone().id() == BANGKOK.id()
    assert "started" not in dialog.draft().attributes  # an untouched time is not an answer
    given.setChecked(True)
    assert when.isEnabled()
    when.setDateTime(QDateTime(QDate(2026, 3, 1), QTime(10, 30), BANGKOK))
    assert dialog.draft().attributes == {
        "fire_size": "small", "area": "12.5", "fuel": ["grass", "crop"], "access": "ทางเข้าจากบ้านแม่ริม",
        "station": "หน่วยดอยสุเทพ", "started": "2026-03-01T03:30:00Z"}  # Bangkok time in, UTC out


def test_english_labels_keep_the_servers_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_language("en")
    dialog = IncidentIntakeDialog(SERVICES, lat=18.80, lon=98.92)
    qtbot.addWidget(dialog)
    dialog.description.setPlainText("Fire")
    choose(dialog, "haze")
    fields = dialog.attribute_fields
    assert fields.field("fire_size").itemText(0) == "— choose —"
    assert fields.hint.text() == "* required for this category"
    assert fields.field("started").findChild(QCheckBox).text() == "set (Thai time)"
    assert "answer “How large is the fire?”" in dialog.problems.text()
    assert label_of(dialog, fields.field("fire_size")) == "How large is the fire? *"
    assert fields.field("fire_size").itemText(1) == "Small (< 1 rai)" and "Visible extent" in fields.field(
        "fire_size").toolTip()
    assert dialog.category.itemText(dialog.category.findData("forest_fire")) == "Forest fire"
    set_language("th")
    dialog.retranslate()
    assert fields.field("fire_size").itemText(0) == "— เลือก —" and dialog.category.itemText(0) == "— เลือกประเภท —"
    # The server's words follow the switch too: categories, questions, choices.
    assert dialog.category.itemText(dialog.category.findData("forest_fire")) == "ไฟป่า"
    assert label_of(dialog, fields.field("fire_size")) == "ขนาดของไฟ *"
    assert fields.field("fire_size").itemText(3) == "ใหญ่"
    fuel = fields.field("fuel")
    assert [fuel.item(i).text() for i in range(fuel.count())] == ["หญ้า", "ต้นไม้", HOSTILE]
