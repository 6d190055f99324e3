"""The Alerts dock's two questions: acknowledge an alert (a comment is required) and silence its rule for a while
(here or everywhere, for a period or until a Bangkok time, with a reason everyone sees).

Non-blocking, like the incident dialogs: the panel opens one and relays what it emits; closing or Cancel sends
nothing. The alert's own words (names, message) are shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QTime, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from services.alerts.model import AlertView
from widgets.alert_words import message, rule_name, scope_name, severity_label, since_text
from widgets.display_format import format_datetime, local_time
from widgets.i18n import current_language, t

COMMENT_MAX = 1000
REASON_MAX = 500
# (key, Thai, English, length); "until" is a Bangkok time of day instead.
PERIODS: tuple[tuple[str, str, str, timedelta], ...] = (
    ("30m", "30 นาที", "30 min", timedelta(minutes=30)),
    ("1h", "1 ชั่วโมง", "1 hour", timedelta(hours=1)),
    ("4h", "4 ชั่วโมง", "4 hours", timedelta(hours=4)),
    ("12h", "12 ชั่วโมง", "12 hours", timedelta(hours=12)),
    ("24h", "24 ชั่วโมง", "24 hours", timedelta(hours=24)),
)
UNTIL_TIME = "until"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def alert_summary(alert: AlertView, now: datetime) -> str:
    """Severity, rule and place on one line; the latest message; since when and how often."""
    return (f"{severity_label(alert.severity)} · {rule_name(alert)} · {scope_name(alert)}\n{message(alert)}\n"
            + t("ตั้งแต่ ", "since ") + since_text(alert, now) + f" · ×{alert.occurrences:,}")


def next_bangkok_time(time_of_day: QTime, now: datetime) -> datetime:
    """The first moment after ``now`` that Bangkok clocks read ``time_of_day`` (today or tomorrow), in UTC."""
    local_now = local_time(now)
    at = local_now.replace(hour=time_of_day.hour(), minute=time_of_day.minute(), second=0, microsecond=0)
    if at <= local_now:
        at += timedelta(days=1)
    return at.astimezone(UTC)


def _summary_label(parent: QWidget, alert: AlertView, now: datetime) -> QLabel:
    label = QLabel(alert_summary(alert, now), parent)
    label.setObjectName("alertSummary")
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and messages come from rules and stations
    label.setWordWrap(True)
    return label


class AcknowledgeDialog(QDialog):
    """Acknowledge ``alert``: OK only with a comment of non-blank text within ``COMMENT_MAX`` characters."""

    sig_acknowledged = Signal(int, str)
    """The operator acknowledged: (alert id, the comment without surrounding blanks)."""

    def __init__(self, alert: AlertView, parent: QWidget | None = None, *, clock: Clock = _utc_now) -> None:
        super().__init__(parent)
        self.alert = alert
        self.summary = _summary_label(self, alert, clock())
        self.comment = QPlainTextEdit(self)
        self.count = QLabel(self)
        self.ok_button = QPushButton(self)
        self.cancel_button = QPushButton(self)

        self.setObjectName("acknowledgeAlertDialog")
        self.setModal(False)
        self.comment.setObjectName("ackComment")
        self.comment.setTabChangesFocus(True)
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        self.ok_button.setObjectName("acknowledgeAlert")
        self.ok_button.setDefault(True)
        self.setWindowTitle(t("รับทราบการแจ้งเตือน", "Acknowledge alert"))
        self.comment.setPlaceholderText(t("ตรวจสอบหรือดำเนินการอะไรแล้ว (ต้องกรอก)",
                                          "What did you check or do? (required)"))
        self.ok_button.setText(t("รับทราบ", "Acknowledge"))
        self.cancel_button.setText(t("ยกเลิก", "Cancel"))

        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.comment, 1)
        layout.addLayout(buttons)
        self.resize(480, 260)

        self.comment.textChanged.connect(self._validate)
        self.ok_button.clicked.connect(self._accept)
        self.cancel_button.clicked.connect(self.reject)
        self._validate()

    def _validate(self) -> None:
        text = self.comment.toPlainText().strip()
        if not text:
            why = t("ต้องเขียนความเห็นก่อนรับทราบ", "A comment is required to acknowledge")
        elif len(text) > COMMENT_MAX:
            why = t(f"ความเห็นยาวได้ไม่เกิน {COMMENT_MAX:,} ตัวอักษร", f"A comment is at most {COMMENT_MAX:,} characters")
        else:
            why = ""
        self.count.setText(f"{len(text):,} / {COMMENT_MAX:,}" + (f" · {why}" if why else ""))
        self.ok_button.setEnabled(not why)
        self.ok_button.setToolTip(why)

    def _accept(self) -> None:
        if self.ok_button.isEnabled():
            self.sig_acknowledged.emit(self.alert.id, self.comment.toPlainText().strip())
            self.accept()


class SilenceDialog(QDialog):
    """Silence ``alert``'s rule here (its scope) or everywhere, for a period or until a Bangkok time, with a reason."""

    sig_silence_chosen = Signal(str, object, object, str)
    """The operator silenced: (rule id, scope key or None for every scope, until as an aware UTC datetime, reason)."""

    def __init__(self, alert: AlertView, parent: QWidget | None = None, *, clock: Clock = _utc_now) -> None:
        super().__init__(parent)
        self.alert = alert
        self._clock = clock
        self.summary = _summary_label(self, alert, clock())
        self.this_scope = QRadioButton(self)
        self.whole_rule = QRadioButton(self)
        self._scope_group = QButtonGroup(self)
        self.period = QComboBox(self)
        self.until_time = QTimeEdit(self)
        self.until_label = QLabel(self)
        self.reason = QLineEdit(self)
        self.why_not = QLabel(self)
        self.ok_button = QPushButton(self)
        self.cancel_button = QPushButton(self)

        self.setObjectName("silenceRuleDialog")
        self.setModal(False)
        self.this_scope.setObjectName("silenceThisScope")
        self.whole_rule.setObjectName("silenceWholeRule")
        self._scope_group.addButton(self.this_scope)
        self._scope_group.addButton(self.whole_rule)
        self.this_scope.setChecked(True)  # the narrower silence is the safer default
        self.period.setObjectName("silencePeriod")
        for key, th, en, _length in PERIODS:
            self.period.addItem(t(th, en), key)
        self.period.addItem(t("จนถึงเวลา…", "Until a time…"), UNTIL_TIME)
        self.period.setCurrentIndex(1)  # one hour
        self.until_time.setObjectName("silenceUntilTime")
        self.until_time.setDisplayFormat("HH:mm")
        start = local_time(clock()) + timedelta(hours=1)
        self.until_time.setTime(QTime(start.hour, 0))
        self.until_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setObjectName("silenceReason")
        self.reason.setMaxLength(REASON_MAX)
        self.why_not.setTextFormat(Qt.TextFormat.PlainText)
        self.ok_button.setObjectName("silenceRule")
        self.ok_button.setDefault(True)

        self.setWindowTitle(t("ปิดเสียงกฎการแจ้งเตือน", "Silence alert rule"))
        # A button's text reads "&" as a mnemonic: doubled, names show as written.
        scope, rule = scope_name(alert).replace("&", "&&"), rule_name(alert).replace("&", "&&")
        self.this_scope.setText(t(f"เฉพาะที่นี่: {scope}", f"Only here: {scope}"))
        self.whole_rule.setText(t(f"ทั้งกฎ ทุกพื้นที่: {rule}", f"The whole rule, everywhere: {rule}"))
        self.reason.setPlaceholderText(t("เหตุผลที่ทุกคนจะเห็น (ต้องกรอก)", "Reason everyone will see (required)"))
        self.ok_button.setText(t("ปิดเสียง", "Silence"))
        self.cancel_button.setText(t("ยกเลิก", "Cancel"))

        period_row = QHBoxLayout()
        period_row.addWidget(self.period, 1)
        period_row.addWidget(self.until_time)
        form = QFormLayout()
        form.addRow(t("ขอบเขต", "Scope"), self.this_scope)
        form.addRow("", self.whole_rule)
        form.addRow(t("นานเท่าไร", "For how long"), period_row)
        form.addRow("", self.until_label)
        form.addRow(t("เหตุผล", "Reason"), self.reason)
        buttons = QHBoxLayout()
        buttons.addWidget(self.why_not, 1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.resize(520, 300)

        self.period.currentIndexChanged.connect(self._validate)
        self.until_time.timeChanged.connect(self._validate)
        self.reason.textChanged.connect(self._validate)
        self.ok_button.clicked.connect(self._accept)
        self.cancel_button.clicked.connect(self.reject)
        self._validate()

    def until(self) -> datetime:
        """When the silence would end, chosen now (aware UTC)."""
        now = self._clock()
        key = self.period.currentData()
        if key == UNTIL_TIME:
            return next_bangkok_time(self.until_time.time(), now)
        length = next(length for k, _th, _en, length in PERIODS if k == key)
        return now + length

    def scope_key(self) -> str | None:
        """The alert's scope, or None for the whole rule."""
        return self.alert.scope_key if self.this_scope.isChecked() else None

    def _validate(self) -> None:
        self.until_time.setEnabled(self.period.currentData() == UNTIL_TIME)
        self.until_label.setText(t("ปิดเสียงถึง ", "Silenced until ") + format_datetime(self.until(),
                                                                                        current_language()))
        why = "" if self.reason.text().strip() else t("ต้องบอกเหตุผลก่อน", "A reason is required")
        self.why_not.setText(why)
        self.ok_button.setEnabled(not why)
        self.ok_button.setToolTip(why)

    def _accept(self) -> None:
        if self.ok_button.isEnabled():
            self.sig_silence_chosen.emit(self.alert.rule_id, self.scope_key(), self.until(),
                                         self.reason.text().strip())
            self.accept()
