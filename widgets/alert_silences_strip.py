"""The active silences above the alerts table: one line per silence (rule, where, until when, why, who) with "End".

Hidden while nothing is silenced, so a quiet rule is never a secret: everyone at every console sees what was
silenced and why. The strip only asks (``sig_end_requested``); the console ends the silence and sends a new list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from services.alerts.model import Silence
from widgets.alert_words import silence_scope_text, silenced_text
from widgets.display_format import plain_tooltip
from widgets.i18n import t

SILENCE_GLYPH = "🔇"


def showing(silences: Sequence[Silence], now: datetime) -> list[Silence]:
    """The silences not over yet (those starting later too), ending soonest first."""
    return sorted((s for s in silences if s.until > now), key=lambda s: (s.until, s.id))


class SilencesStrip(QFrame):
    """The silences in force (see the module text)."""

    sig_end_requested = Signal(int)
    """The operator asked to end a silence (its id)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[Silence, QLabel, QPushButton]] = []
        self._why_not_end: str | None = None  # None: ending is allowed
        self.setObjectName("alertSilences")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 2, 4, 2)
        self._layout.setSpacing(2)
        self.setVisible(False)

    def show_silences(self, silences: Sequence[Silence], now: datetime, rule_names: Mapping[str, str],
                      scope_names: Mapping[str, str]) -> None:
        """One line per silence still in force at ``now``; names from the alerts (ids and keys without one)."""
        for _silence, label, button in self.rows:
            for widget in (label, button):
                widget.hide()  # gone from the screen now, deleted when control returns to the event loop
                widget.deleteLater()
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.layout() is not None:
                item.layout().deleteLater()
        self.rows = []
        for silence in showing(silences, now):
            rule = rule_names.get(silence.rule_id) or silence.rule_id
            where = silence_scope_text(silence, dict(scope_names))
            label = QLabel(f"{SILENCE_GLYPH} {rule} · {where}: {silenced_text(silence.until, now, silence)}", self)
            label.setTextFormat(Qt.TextFormat.PlainText)  # reasons are typed by people
            label.setWordWrap(True)
            label.setObjectName(f"silence_{silence.id}")
            button = QPushButton(t("เลิกปิดเสียง", "End"), self)
            button.setObjectName(f"endSilence_{silence.id}")
            button.clicked.connect(lambda _checked=False, i=silence.id: self._end(i))
            row = QHBoxLayout()
            row.addWidget(label, 1)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self._layout.addLayout(row)
            self.rows.append((silence, label, button))
        self._update_buttons()
        self.setVisible(bool(self.rows))

    def shown_ids(self) -> list[int]:
        return [silence.id for silence, _label, _button in self.rows]

    def set_end_refused(self, why_not: str | None) -> None:
        """Why ending a silence is not open to the acting role (None: it is)."""
        self._why_not_end = why_not
        self._update_buttons()

    def _update_buttons(self) -> None:
        head = t("เลิกปิดเสียงกฎนี้ตอนนี้", "End this silence now")
        for _silence, _label, button in self.rows:
            button.setEnabled(self._why_not_end is None)
            button.setToolTip(plain_tooltip(head if self._why_not_end is None else f"{head}\n{self._why_not_end}"))

    def _end(self, silence_id: int) -> None:
        if self._why_not_end is None:
            self.sig_end_requested.emit(silence_id)
