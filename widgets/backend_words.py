"""The backends a store can belong to, in the operator's language (services.backend_identity gives only data)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from widgets.i18n import t

if TYPE_CHECKING:
    from services.backend_identity import BackendIdentity


def describe_backend(identity: BackendIdentity) -> str:
    """The backend in the UI language."""
    if identity.kind == "embedded_simulator":
        if identity.scenario:
            return t(f"ระบบจำลองสำหรับฝึกอบรมในเครื่อง (ชุดข้อมูล {identity.seed} สถานการณ์ {identity.scenario})",
                     f"the embedded training simulator (seed {identity.seed}, scenario {identity.scenario})")
        return t(f"ระบบจำลองสำหรับฝึกอบรมในเครื่อง (ชุดข้อมูล {identity.seed})",
                 f"the embedded training simulator (seed {identity.seed})")
    if identity.kind == "simulator":
        return t(f"ระบบจำลองสำหรับฝึกอบรมที่ {identity.url}", f"the training simulator at {identity.url}")
    if identity.url:
        return t(f"เซิร์ฟเวอร์ Open311 จริงที่ {identity.url}", f"the live Open311 server at {identity.url}")
    return t("ข้อมูลจริงที่ยังไม่ได้ตั้งเซิร์ฟเวอร์ Open311", "live feeds without an Open311 server")


def how_to_open(stored: BackendIdentity | None) -> str | None:
    """How to start the console so that it opens this store as it is."""
    if stored is None:
        return None
    if stored.kind == "embedded_simulator":
        command = "pao-console --demo" + (f" --scenario {stored.scenario}" if stored.scenario else "")
    elif stored.kind == "simulator":
        command = f"pao-console --demo --simulator-url {stored.url}"
    else:
        command = "pao-console --live"
        if stored.url:
            return t(f"จะเปิดคลังนี้ตามเดิม: ตั้ง endpoints.open311 ใน settings.json เป็น {stored.url} "
                     f"แล้วเริ่มด้วย {command}",
                     f"To open this store as it is: set endpoints.open311 in settings.json to {stored.url} and "
                     f"start with {command}")
    return t(f"จะเปิดคลังนี้ตามเดิม: เริ่มโปรแกรมด้วย {command}", f"To open this store as it is: start with {command}")
