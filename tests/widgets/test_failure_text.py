"""Refusals the services return as data are worded for the operator here, in their language."""

from __future__ import annotations

from services.errors import StoreBusyError
from services.incident_problems import AttachmentTooLargeError, IntakeRefusedError
from services.workflow import WorkflowError
from widgets.failure_text import describe_refusal
from widgets.i18n import set_language


def test_refusals_are_worded_in_the_operators_language(english: None) -> None:
    intake = IntakeRefusedError("forest_fire", ["attribute[fire_size] is required", "attribute[x] is unknown"])
    large = AttachmentTooLargeError("after.jpg", 25_000_000, 20 * 1024 * 1024)
    assert describe_refusal(intake) == ("This category needs more: attribute[fire_size] is required; "
                                        "attribute[x] is unknown")
    assert describe_refusal(large) == "after.jpg is 25 MB; attachments are limited to 20 MB"
    assert "locked by another program" in describe_refusal(StoreBusyError("database is locked"))
    assert describe_refusal(WorkflowError("role", "a viewer may not resolve")) == "a viewer may not resolve"
    set_language("th")  # the english fixture puts the language back afterwards
    assert describe_refusal(intake).startswith("ข้อมูลของประเภทนี้ไม่ครบหรือไม่ถูกต้อง: attribute[fire_size]")
    assert describe_refusal(large) == "after.jpg มีขนาด 25 MB: ไฟล์แนบต้องไม่เกิน 20 MB"


def test_a_missing_after_photo_is_said_in_the_operators_language() -> None:
    refusal = WorkflowError("evidence", "resolving needs an after-photo of the scene")
    set_language("th")
    try:
        assert "รูปถ่ายหลังดำเนินการ" in describe_refusal(refusal)
    finally:
        set_language("en")
    assert "after-photo" in describe_refusal(refusal)
