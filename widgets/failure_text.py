"""Failures in words for the operator: typed service errors and refusals become Thai/English sentences; anything
untyped becomes one generic line, its details only in the log.

Why not ``str(exc)``: an untyped exception's text can be anything, and one from SQLAlchemy is the SQL statement with
its parameters and a link to sqlalche.me, which is what a store locked by another program put in the status bar.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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


# A failed call as services.feeds.http_client words it: "[HTTP 404: ]feed: GET <url>: <reason>".
_CALL = re.compile(r"^(?:HTTP (?P<status>\d{3}): )?(?P<feed>[^\s:]+): (?P<method>[A-Z]+) (?P<url>\S+): (?P<reason>.*)$",
                   re.DOTALL)
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_RETRIED_STATUS = re.compile(r"^(?:rate limited \()?HTTP (\d{3})")
# What the feeds' parsers name at the start of a payload they could not use (services.feeds.*).
_PAYLOADS = ("Air4Thai", "FIRMS", "ThaiWater", "Open311", "GeoJSON", "body is not UTF-8")

# (substring of the services' English reason, (Thai, English) words for the operator), first match wins.
_REASONS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("connection refused", ("เซิร์ฟเวอร์ไม่รับการเชื่อมต่อ", "the server refused the connection")),
    ("connection reset", ("การเชื่อมต่อถูกตัดกลางทาง", "the connection was cut off")),
    ("host name not resolved", ("หาชื่อเซิร์ฟเวอร์ไม่พบ (DNS)", "the server's name could not be found (DNS)")),
    ("server closed the connection", ("เซิร์ฟเวอร์ปิดการเชื่อมต่อก่อนตอบ", "the server closed the connection")),
    ("timed out connecting", ("เชื่อมต่อเซิร์ฟเวอร์ไม่ทันเวลา", "connecting to the server timed out")),
    ("timed out waiting", ("เซิร์ฟเวอร์ไม่ตอบภายในเวลาที่กำหนด", "the server did not answer in time")),
    ("deadline", ("เซิร์ฟเวอร์ตอบช้าเกินกำหนดเวลา", "the server took longer than the time allowed")),
    ("tls error", ("การเชื่อมต่อแบบปลอดภัย (TLS) ไม่ผ่าน: ใบรับรองไม่ถูกต้อง",
                   "the secure connection (TLS) failed: the certificate was not accepted")),
    ("connection failed", ("เชื่อมต่อเซิร์ฟเวอร์ไม่ได้", "could not connect to the server")),
    ("request failed", ("ส่งคำขอไม่สำเร็จ", "the request failed")),
)


def _status_words(status: int) -> str:
    if status == 429:
        return t("เซิร์ฟเวอร์จำกัดจำนวนคำขอ (HTTP 429)", "the server is limiting requests (HTTP 429)")
    if status in (401, 403):
        return t(f"เซิร์ฟเวอร์ไม่อนุญาต (HTTP {status})", f"the server refused access (HTTP {status})")
    if status == 404:
        return t("เซิร์ฟเวอร์ไม่มีข้อมูลที่ขอ (HTTP 404)", "the server does not have it (HTTP 404)")
    if status >= 500:
        return t(f"เซิร์ฟเวอร์ขัดข้อง (HTTP {status})", f"the server is failing (HTTP {status})")
    return t(f"เซิร์ฟเวอร์ปฏิเสธคำขอ (HTTP {status})", f"the server refused the request (HTTP {status})")


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.rsplit("@", 1)[-1]
    except ValueError:
        return ""


def _without_urls(text: str) -> str:
    """URLs replaced by their host: never a raw address, and none cut off mid-way."""
    return _URL.sub(lambda m: _host(m.group(0)) or "…", text)


def describe_feed_error(message: str | None) -> str:
    """A feed's last error (the text the sync service stored) for the operator: the reason first, in the current
    language, then the server's host; never the request's URL. The stored text itself belongs in a tooltip."""
    if not message:
        return ""
    text = message.strip()
    call = _CALL.match(text)
    if call is not None:
        reason = call.group("reason").strip()
        host = _host(call.group("url"))
        if call.group("status"):
            words = _status_words(int(call.group("status")))
        else:
            retried = _RETRIED_STATUS.match(reason)
            found = next((w for key, w in _REASONS if key in reason.lower()), None)
            if retried is not None:
                words = _status_words(int(retried.group(1)))
            elif found is not None:
                words = t(*found)
            else:
                words = t("ดึงข้อมูลไม่สำเร็จ: ", "the call failed: ") + _without_urls(reason)
        return f"{words} · {host}" if host else words
    lowered = text.lower()
    if "no firms map_key" in lowered:
        return t("ยังไม่ได้ตั้งค่า FIRMS MAP_KEY: ใช้คำสั่ง pao-console secret set firms-map-key",
                 "no FIRMS MAP_KEY: set it with pao-console secret set firms-map-key")
    if "invalid map_key" in lowered:
        return t("FIRMS ไม่รับ MAP_KEY นี้: ตรวจสอบแล้วตั้งใหม่ด้วย pao-console secret set firms-map-key",
                 "FIRMS refused the MAP_KEY: check it and set it again with pao-console secret set firms-map-key")
    if "servicerequestupdates" in lowered and "404" in lowered:
        return t("ระบบนี้ไม่มีรายการความเคลื่อนไหวของเรื่อง: การเปลี่ยนแปลงมากับการดึงเรื่องร้องเรียนแทน "
                 "(ไม่มีบันทึกบนไทม์ไลน์)",
                 "this backend has no list of updates: changes arrive with the incidents poll instead "
                 "(without timeline entries)")
    if "follow-up request" in lowered:
        return t("คำขอต่อเนื่องบางรายการไม่สำเร็จ: เก็บข้อมูลที่ได้มาแล้วไว้",
                 "some follow-up requests failed: what they brought is kept")
    if lowered.startswith("internal error"):
        return t("เกิดข้อผิดพลาดภายใน รายละเอียดอยู่ในบันทึก (logs/console.log)",
                 "an internal error; the details are in the log (logs/console.log)")
    if text.startswith(_PAYLOADS):
        if "html page instead of" in lowered:
            return t("เซิร์ฟเวอร์ส่งหน้าเว็บมาแทนข้อมูล", "the server sent a web page instead of data")
        if "empty body" in lowered:
            return t("เซิร์ฟเวอร์ตอบกลับว่างเปล่า", "the server sent an empty answer")
        return t("ข้อมูลที่ได้รับใช้ไม่ได้ (ไม่ใช่รูปแบบที่คาดไว้): เก็บข้อมูลชุดก่อนไว้",
                 "the data received is not usable (not the expected format): the last good data is kept")
    return _without_urls(text)  # already in words (a store failure, worded by the console)
