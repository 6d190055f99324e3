"""Enter a standalone simulator's role tokens by hand, for a workstation without an OS keyring.

``pao-console simulator`` prints its tokens when it has no keyring to leave them in (``operator   token: …``). The
operator copies those lines and presses *Paste what the simulator printed*, or pastes each token into its field. The
fields never show a token (password echo) and the dialog stores nothing: it hands the tokens to the console, which
keeps them in memory for the session only.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.i18n import t

ROLES = ("operator", "supervisor", "viewer")
_PRINTED = re.compile(r"\b(operator|supervisor|viewer)\s+token:\s*(\S+)")
_TOKEN = re.compile(r"[\x21-\x7e]{8,512}")  # one printable word: what a bearer token can be


def parse_printed_tokens(text: str) -> dict[str, str]:
    """The role tokens in what the simulator printed (``supervisor token: …`` lines); roles not found are left out."""
    found: dict[str, str] = {}
    for role, token in _PRINTED.findall(text):
        if _TOKEN.fullmatch(token):
            found[role] = token
    return found


class TokenEntryDialog(QDialog):
    """Three masked fields (operator, supervisor, viewer), a paste button, OK / Cancel."""

    sig_tokens_entered = Signal(dict)
    """The operator confirmed these tokens (role → token; only the roles filled in)."""

    def __init__(self, simulator_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.explanation = QLabel(self)
        self.fields = {role: QLineEdit(self) for role in ROLES}
        self.paste_button = QPushButton(self)
        self.problem = QLabel(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self._url = simulator_url
        self._labels = {role: QLabel(self) for role in ROLES}

        self.setObjectName("tokenEntryDialog")
        for label in (self.explanation, self.problem, *self._labels.values()):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setWordWrap(True)
        self.problem.setWordWrap(True)
        for role, field in self.fields.items():
            field.setObjectName(f"token_{role}")
            field.setEchoMode(QLineEdit.EchoMode.Password)  # on screen a token is as good as written down
            field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            field.textChanged.connect(self._validate)

        form = QFormLayout()
        for role in ROLES:
            form.addRow(self._labels[role], self.fields[role])
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.paste_button)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.paste_button.clicked.connect(self.paste_printed)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(lambda _result: self._clear())  # nothing of a token stays in a closed dialog
        self.retranslate()
        self._validate()

    def retranslate(self) -> None:
        self.setWindowTitle(t("โทเค็นของระบบจำลอง", "Simulator tokens"))
        self.explanation.setText(t(
            f"เครื่องนี้ไม่มีที่เก็บรหัสลับของระบบปฏิบัติการ (keyring) จึงอ่านโทเค็นของระบบจำลองที่ {self._url} ไม่ได้ "
            "คัดลอกบรรทัดโทเค็นที่ระบบจำลองพิมพ์ไว้ตอนเริ่ม แล้วกดวาง หรือวางโทเค็นทีละช่อง "
            "โทเค็นจะอยู่ในหน่วยความจำจนกว่าจะปิดโปรแกรม ไม่ถูกบันทึกลงไฟล์",
            f"This workstation has no OS keyring, so the tokens of the simulator at {self._url} cannot be read. Copy "
            "the token lines the simulator printed when it started and paste them, or paste each token into its "
            "field. The tokens stay in memory until the console closes; they are never written to a file."))
        self.paste_button.setText(t("วางสิ่งที่ระบบจำลองพิมพ์ไว้", "Paste what the simulator printed"))
        names = {"operator": t("เจ้าหน้าที่", "Operator"), "supervisor": t("หัวหน้าเวร", "Supervisor"),
                 "viewer": t("ผู้ดู", "Viewer")}
        for role, label in self._labels.items():
            label.setText(names[role])
        self._validate()

    def tokens(self) -> dict[str, str]:
        """The tokens typed or pasted so far (role → token), only the filled-in roles."""
        return {role: field.text().strip() for role, field in self.fields.items() if field.text().strip()}

    def paste_printed(self) -> None:
        """Fill the fields from the clipboard: the simulator's printed lines, or else one bare token for the focused
        (or first empty) field."""
        text = QGuiApplication.clipboard().text()
        found = parse_printed_tokens(text)
        if found:
            for role, token in found.items():
                self.fields[role].setText(token)
        elif _TOKEN.fullmatch(text.strip()):
            target = next((f for f in self.fields.values() if f.hasFocus()), None) or next(
                (f for f in self.fields.values() if not f.text()), self.fields["operator"])
            target.setText(text.strip())
        else:
            self.problem.setText(t("คลิปบอร์ดไม่มีบรรทัดโทเค็นของระบบจำลอง",
                                   "The clipboard holds no simulator token lines"))
            return
        self._validate()

    def _problems(self) -> str:
        bad = [role for role, token in self.tokens().items() if not _TOKEN.fullmatch(token)]
        if bad:
            return t(f"โทเค็นไม่ถูกต้อง: {', '.join(bad)}", f"Not a token: {', '.join(bad)}")
        if not self.tokens():
            return t("ใส่โทเค็นอย่างน้อยหนึ่งบทบาท", "Enter at least one role's token")
        return ""

    def _validate(self) -> None:
        problem = self._problems()
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def _accept(self) -> None:
        if self._problems():
            return
        tokens = self.tokens()
        self.accept()
        self.sig_tokens_entered.emit(tokens)

    def _clear(self) -> None:
        for field in self.fields.values():
            field.clear()
