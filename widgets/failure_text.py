"""Failures in words for the operator: typed service errors and refusals become Thai/English sentences; anything
untyped becomes one generic line, its details only in the log.

Why not ``str(exc)``: an untyped exception's text can be anything, and one from SQLAlchemy is the SQL statement with
its parameters and a link to sqlalche.me, which is what a store locked by another program put in the status bar.
"""

from __future__ import annotations

from services.errors import (
    ServiceError,
    StoreBindingError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreTooNewError,
)
from services.incident_problems import AttachmentTooLargeError, IntakeRefusedError
from widgets.backend_words import describe_backend
from widgets.i18n import t

_MB = 1_000_000


def describe_failure(exc: BaseException) -> str:
    """One line in the current language saying what went wrong (never an untyped exception's own text)."""
    if isinstance(exc, StoreBusyError):
        return t("คลังข้อมูลในเครื่องถูกโปรแกรมอื่นล็อกไว้ จะลองใหม่อีกครั้ง",
                 "the local store is locked by another program; it will be tried again")
    if isinstance(exc, StoreFullError):
        return t("ดิสก์เต็ม: ยังไม่ได้บันทึกการเปลี่ยนแปลงล่าสุด โปรดเพิ่มพื้นที่ว่าง",
                 "the disk is full: the last change was not saved; free some space")
    if isinstance(exc, StoreIOError):
        return t("ระบบปฏิบัติการไม่ยอมให้อ่านหรือเขียนคลังข้อมูลในเครื่อง (ขนาดไฟล์ โควตา หรือดิสก์เสีย): "
                 "ยังไม่ได้บันทึกการเปลี่ยนแปลงล่าสุด",
                 "the system refused to read or write the local store (a file-size limit, a quota or a failing "
                 "disk): the last change was not saved")
    if isinstance(exc, StoreCorruptError):
        return t("คลังข้อมูลในเครื่องเสียหาย: ปิดโปรแกรมแล้วกู้ข้อมูลด้วย pao-console store salvage",
                 "the local store is damaged: close the console and recover it with pao-console store salvage")
    if isinstance(exc, StoreBindingError):
        wanted = describe_backend(exc.wanted)  # type: ignore[arg-type]
        if exc.stored is None:
            return t(f"คลังข้อมูลสร้างก่อนการผูกกับระบบ และมีข้อมูลที่บอกไม่ได้ว่าเป็นของ{wanted}หรือไม่",
                     f"the store was written before stores were tied to a backend; nobody can tell whether its "
                     f"data belongs to {wanted}")
        stored = describe_backend(exc.stored)  # type: ignore[arg-type]
        return t(f"คลังข้อมูลเป็นของ{stored} ไม่ใช่ของ{wanted}", f"the store belongs to {stored}, not to {wanted}")
    if isinstance(exc, StoreTooNewError):
        return str(exc)  # names both schema revisions and what to do
    if isinstance(exc, StoreError):
        return t("ใช้คลังข้อมูลในเครื่องไม่ได้ รายละเอียดอยู่ในบันทึก (logs/console.log)",
                 "the local store cannot be used; the details are in the log (logs/console.log)")
    if isinstance(exc, IntakeRefusedError):
        return t("ข้อมูลของประเภทนี้ไม่ครบหรือไม่ถูกต้อง: ", "This category needs more: ") + "; ".join(exc.problems)
    if isinstance(exc, AttachmentTooLargeError):
        size, limit = exc.size // _MB, exc.limit // _MB
        return t(f"{exc.filename} มีขนาด {size} MB: ไฟล์แนบต้องไม่เกิน {limit} MB",
                 f"{exc.filename} is {size} MB; attachments are limited to {limit} MB")
    if isinstance(exc, ServiceError):
        return str(exc)  # written by our services for people: what failed, with the server's reason
    return t("เกิดข้อผิดพลาดภายใน รายละเอียดอยู่ในบันทึก (logs/console.log)",
             "an internal error; the details are in the log (logs/console.log)")


def describe_refusal(exc: BaseException) -> str:
    """Why an incident edit or intake was not done: a refusal the services return as data in words, a workflow
    refusal with the rule's own message (services.workflow.WorkflowError), anything else as before."""
    if isinstance(exc, ServiceError):
        return describe_failure(exc)
    if getattr(exc, "code", None) == "evidence":  # services.workflow.check_evidence
        return t("ปิดงาน (แก้ไขแล้ว) ต้องมีรูปถ่ายหลังดำเนินการ: แนบรูปก่อนแล้วลองอีกครั้ง",
                 "resolving needs an after-photo of the scene: attach one, then resolve")
    return getattr(exc, "message", None) or str(exc)
