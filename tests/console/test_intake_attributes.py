"""A forest fire taken in at the console carries its Open311 attribute (fire_size) to the backend, UI driven and with
the backend unreachable at intake time (the form is built from the cached definition); without the answer the dialog
will not create it, and the backend step refuses to queue it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from console.controller import ConsoleController
from services.incident_actions import create_incident
from services.incident_problems import IntakeRefusedError
from services.records import AttributeValue, ServiceAttribute, ServiceDefinition
from services.sla import SlaPolicy
from services.store.store import Store

FIRST_SYNC_MS = 60_000
DOI_SUTHEP = (18.8048, 98.9217)


def test_forest_fire_intake_reaches_the_server_with_its_size(  # type: ignore[no-untyped-def]
        qtbot, console_factory) -> None:
    controller: ConsoleController = console_factory()  # embedded simulator
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.outbox._writer is not None, timeout=60_000)
    incidents, simulator = controller.incidents, controller.simulator

    # The backend goes away: the intake form still knows what a forest fire needs (the store's copy).
    simulator.set_offline(True)
    incidents.open_intake(*DOI_SUTHEP)
    qtbot.waitUntil(lambda: incidents.intake is not None and incidents.intake.category.count() > 1, timeout=20_000)
    dialog = incidents.intake
    dialog.category.setCurrentIndex(dialog.category.findData("forest_fire"))
    dialog.priority.setCurrentIndex(dialog.priority.findData("P1"))
    dialog.description.setPlainText("ไฟไหม้ป่าเชิงดอยสุเทพ ควันหนา / Forest fire at the foot of Doi Suthep")
    dialog.reporter_name.setText("สมชาย ใจดี")
    size = dialog.attribute_fields.field("fire_size")
    assert size is not None, "the forest fire's definition was not synced"

    # Without the size the dialog will not create it (the backend would answer 400).
    assert not dialog.create_button.isEnabled() and "ขนาดของไฟ" in dialog.problems.text()
    dialog.create_button.click()
    assert incidents.intake is dialog and dialog.draft() is None

    size.setCurrentIndex(size.findData("large"))
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=10_000)
    dialog.create_button.click()
    qtbot.waitUntil(lambda: incidents.intake is None, timeout=20_000)
    qtbot.waitUntil(lambda: incidents.detail._detail is not None
                    and "Doi Suthep" in (incidents.detail._detail.description or ""), timeout=20_000)
    detail = incidents.detail._detail
    incident_id = detail.row.id
    created = next(e for e in detail.events if e.kind == "created")
    assert created.after["attributes"] == {"fire_size": "large"}
    assert detail.row.server_id is None  # queued: the backend is unreachable

    # The backend returns; the outbox sends the create with attribute[fire_size] and the server keeps it.
    simulator.set_offline(False)
    controller.outbox.kick()
    qtbot.waitUntil(lambda: (incidents.show_incident(incident_id) or True)
                    and incidents.detail._detail is not None and incidents.detail._detail.row.id == incident_id
                    and incidents.detail._detail.row.server_id is not None, timeout=90_000)
    server_id = incidents.detail._detail.row.server_id
    record = simulator.incidents._records[server_id]
    assert record["attributes"] == {"fire_size": "large"}
    assert record["service_code"] == "forest_fire" and record["priority"] == "P1"


FIRE_SIZE = ServiceAttribute("fire_size", "singlevaluelist", "How large is the fire? / ขนาดของไฟ", required=True,
                             order=1, values=(AttributeValue("small", "Small"), AttributeValue("large", "Large")))


def _draft(category: str, attributes: dict) -> SimpleNamespace:
    return SimpleNamespace(category=category, category_name="", priority="P1", description="fire", lat=18.80,
                           lon=98.92, source="hotline", address="", district_code=None, reporter_name="",
                           reporter_contact="", attributes=attributes)


@pytest.mark.parametrize(("answers", "needle"), [
    ({}, "attribute[fire_size] is required"),
    ({"fire_size": ""}, "attribute[fire_size] is required"),
    ({"fire_size": "enormous"}, "must be one of the listed keys"),
])
def test_the_backend_never_queues_a_create_the_server_must_refuse(store: Store, answers: dict, needle: str) -> None:
    store.ingest_services([ServiceDefinition("forest_fire", "ไฟป่า (Forest fire)", metadata=True,
                                             attributes=(FIRE_SIZE,))])
    with pytest.raises(IntakeRefusedError) as refused:
        create_incident(store, _draft("forest_fire", answers), "nida (operator)", SlaPolicy())
    assert any(needle in problem for problem in refused.value.problems)
    assert store.outbox_pending() == []


def test_the_backend_sends_only_the_categorys_questions(store: Store) -> None:
    store.ingest_services([ServiceDefinition("forest_fire", "ไฟป่า (Forest fire)", metadata=True,
                                             attributes=(FIRE_SIZE,)),
                           ServiceDefinition("smoke", "ฝุ่นควัน (Smoke)", metadata=True)])  # never fetched
    create_incident(store, _draft("forest_fire", {"fire_size": "small", "stale": "x"}), "nida (operator)",
                    SlaPolicy())
    create_incident(store, _draft("smoke", {"anything": "goes"}), "nida (operator)", SlaPolicy())
    sent = [entry.fields.get("attributes") for entry in store.outbox_pending()]
    assert sent == [{"fire_size": "small"}, {"anything": "goes"}]  # unknown definition: the server judges
