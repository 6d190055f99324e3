"""The Alerts dock: what is new and urgent, in three seconds, and what the operator can do about it.

From the top: the filters (Open, Needs acknowledging, Cleared, All, each with its count), the silences in force, the
alerts newest first (``AlertsModel``), the selected alert in full, the buttons for it (Acknowledge…, Silence rule…,
Open incident / Show incident #n, Show on map) and its history. The panel decides nothing: it asks (``sig_*``) and
the console acts on its worker and sends fresh alerts, silences and history.

A viewer sees everything, but Acknowledge, Silence and End stay disabled and say why; a disabled button always says
why in its tooltip. Everything from alerts (names, messages, comments, reasons) is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from services.alerts.model import AlertAction, AlertView, Silence
from widgets.alert_dialogs import AcknowledgeDialog, SilenceDialog, alert_summary
from widgets.alert_silences_strip import SilencesStrip, showing
from widgets.alert_words import history_line, rule_name, scope_name, silenced_text, state_text
from widgets.alerts_model import FILTER_WORDS, FILTERS, AlertsModel
from widgets.display_format import plain_tooltip
from widgets.empty_state import EmptyState
from widgets.i18n import t
from widgets.incident_rows import VIEWER_REASON
from widgets.staggered_timer import StaggeredTimer

ROLES = ("viewer", "operator", "supervisor")
TICK_MS = 30_000  # ages are shown to the minute; silences end on the minute


class AlertsPanel(QWidget):
    """The content of the Alerts dock (see the module text)."""

    sig_acknowledge = Signal(int, str)
    """Acknowledge an alert: (alert id, the comment, stripped and never blank)."""
    sig_silence = Signal(str, object, object, str)
    """Silence a rule: (rule id, scope key or None for every scope, until as aware UTC datetime, reason)."""
    sig_end_silence = Signal(int)
    """End a silence now (its id)."""
    sig_open_incident = Signal(int)
    """Open an incident from an alert, or show the one it is linked to (the alert id)."""
    sig_show_on_map = Signal(int)
    """Outline an alert's station or area on the map (the alert id)."""
    sig_history_wanted = Signal(int)
    """The selected alert (its id) changed or was updated: load its history and give it to ``set_history``."""
    sig_counts_changed = Signal(int, int)
    """(open alerts nobody has acknowledged, critical alerts not cleared) changed."""

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._role = "viewer"  # until the console says who is acting, nothing is open to change
        self._loaded = False
        self._selected_id: int | None = None
        self._selected_view: AlertView | None = None
        self._history: tuple[int, list[AlertAction]] | None = None
        self._counts: tuple[int, int] | None = None
        self.ack_dialog: AcknowledgeDialog | None = None
        self.silence_dialog: SilenceDialog | None = None
        self.model = AlertsModel(self, clock=self._clock)
        self.filter_buttons: dict[str, QToolButton] = {name: QToolButton(self) for name in FILTERS}
        self._filter_group = QButtonGroup(self)
        self.silences = SilencesStrip(self)
        self.table = QTableView(self)
        self.summary = QLabel(self)
        self.ack_button = QPushButton(self)
        self.silence_button = QPushButton(self)
        self.incident_button = QPushButton(self)
        self.map_button = QPushButton(self)
        self.history_title = QLabel(self)
        self.history = QListWidget(self)
        self._tick = StaggeredTimer(self, TICK_MS)

        self.setObjectName("alertsPanel")
        for name, button in self.filter_buttons.items():
            button.setObjectName(f"alertFilter_{name}")
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self._filter_group.addButton(button)
        self._filter_group.setExclusive(True)
        self.filter_buttons[self.model.filter].setChecked(True)
        self._setup_table()
        self.empty_state = EmptyState(self.table, self._empty_text)
        self.summary.setObjectName("alertDetail")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # messages and comments are other people's text
        self.summary.setWordWrap(True)
        self.ack_button.setObjectName("acknowledgeAlertButton")
        self.silence_button.setObjectName("silenceRuleButton")
        self.incident_button.setObjectName("alertIncidentButton")
        self.map_button.setObjectName("alertMapButton")
        self.history.setObjectName("alertHistory")
        self.history.setMinimumHeight(60)
        self.history.setWordWrap(True)

        # The list on the left takes the height (a bottom dock is wide and short); what to do with the selected
        # alert and its history on the right.
        filters = QHBoxLayout()
        for button in self.filter_buttons.values():
            filters.addWidget(button)
        filters.addStretch(1)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.silences)
        left_layout.addWidget(self.table, 1)
        buttons = QGridLayout()
        for index, button in enumerate((self.ack_button, self.silence_button, self.incident_button, self.map_button)):
            buttons.addWidget(button, index // 2, index % 2)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.history_title)
        right_layout.addWidget(self.history, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.splitter)

        for name, button in self.filter_buttons.items():
            button.clicked.connect(lambda _checked=False, n=name: self._choose_filter(n))
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.ack_button.clicked.connect(self._open_acknowledge)
        self.silence_button.clicked.connect(self._open_silence)
        self.incident_button.clicked.connect(lambda: self._ask(self.sig_open_incident))
        self.map_button.clicked.connect(lambda: self._ask(self.sig_show_on_map))
        self.silences.sig_end_requested.connect(self._end_silence)
        self._tick.timeout.connect(self.refresh_times)
        self.retranslate()

    def _setup_table(self) -> None:
        view = self.table
        view.setObjectName("alertsTable")
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.verticalHeader().setVisible(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(self.model.COLUMNS.index("latest"), QHeaderView.ResizeMode.Stretch)
        # The widest each column usually holds in either language (the widths stay when the language switches);
        # the latest message takes what is left, and every cell's tooltip has it in full.
        samples = {"severity": ("⚠ แจ้งเพื่อทราบ", "ℹ warning"), "what": ("PM2.5 เฉลี่ย 24 ชม.", "PM2.5 24-hour mean"),
                   "where": ("เมืองเชียงใหม่", "Mueang Chiang Mai"),
                   "since": ("23 ชม. 59 นาทีที่แล้ว · 14:05", "23 h 59 min ago · 14:05"), "occurrences": ("×9,999",),
                   "state": ("รับทราบแล้วโดย somchai", "acknowledged by somchai"), "incident": ("#99999",)}
        metrics, header_metrics = view.fontMetrics(), header.fontMetrics()
        for column, texts in samples.items():
            index = self.model.COLUMNS.index(column)
            titles = [header_metrics.horizontalAdvance(th) for th in self.model.HEADERS[column]]
            view.setColumnWidth(index, max(*titles, *(metrics.horizontalAdvance(text) for text in texts)) + 18)

    # --- state from the console ------------------------------------------------------------------------------------

    def set_alerts(self, alerts: Sequence[AlertView]) -> None:
        """Every alert (all states). The selection and scroll position stay on the same alert while it is shown."""
        scroll = self.table.verticalScrollBar().value()
        self._loaded = True
        self.model.set_alerts(alerts)
        self._restore_selection(scroll)
        self._after_change()

    def set_silences(self, silences: Sequence[Silence]) -> None:
        """The silences (those already over are left out)."""
        self.model.set_silences(silences)
        self._show_silences()
        self._after_change()

    def set_role(self, role: str) -> None:
        """The acting role: "viewer" | "operator" | "supervisor"."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; use one of {ROLES}")
        self._role = role
        self._update_actions()

    def set_history(self, alert_id: int, actions: Sequence[AlertAction]) -> None:
        """The history of ``alert_id``, shown while it is the selected alert (a late answer is dropped)."""
        if alert_id != self._selected_id:
            return
        self._history = (alert_id, list(actions))
        self._show_history()

    def refresh_history(self) -> None:
        """The selected alert's history has new lines that do not change the alert (a refusal seen): ask again."""
        if self._selected_id is not None:
            self.sig_history_wanted.emit(self._selected_id)

    def selected_alert(self) -> AlertView | None:
        if self._selected_id is None or self.model.row_of_id(self._selected_id) < 0:
            return None
        return self.model.alert(self._selected_id)

    def select_alert(self, alert_id: int) -> bool:
        """Select ``alert_id`` (showing All when the current filter hides it); False when there is no such alert."""
        if self.model.alert(alert_id) is None:
            return False
        if self.model.row_of_id(alert_id) < 0:
            self._choose_filter("all")
        row = self.model.row_of_id(alert_id)
        self.table.setCurrentIndex(self.model.index(row, 0))
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def retranslate(self) -> None:
        self.model.retranslate()
        self._label_filters()
        self.history_title.setText(t("ประวัติการแจ้งเตือนนี้", "History of this alert"))
        self._show_silences()  # their words, and their End buttons' (in _update_actions)
        self._show_history()
        self._update_actions()
        self.empty_state.refresh()

    # --- selection -------------------------------------------------------------------------------------------------

    def _restore_selection(self, scroll: int) -> None:
        """After a reset, select the same alert again and scroll back (the same alert asks for no history anew)."""
        row = self.model.row_of_id(self._selected_id) if self._selected_id is not None else -1
        if row >= 0 and self.table.currentIndex().row() != row:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.verticalScrollBar().setValue(scroll)

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        alert = self.model.alert_at(current.row()) if current.isValid() else None
        if alert is not None and alert.id != self._selected_id:
            self._selected_id = alert.id
            self._selected_view = alert
            self._history = None
            self._show_history()
            self.sig_history_wanted.emit(alert.id)
        self._update_actions()

    def show_filter(self, name: str) -> None:
        """Show the alerts of filter ``name`` (FILTERS), as a click on its button would."""
        self._choose_filter(name)

    def _choose_filter(self, name: str) -> None:
        scroll = self.table.verticalScrollBar().value()
        self.filter_buttons[name].setChecked(True)
        self.model.set_filter(name)
        self._restore_selection(scroll if self.model.row_of_id(self._selected_id or -1) >= 0 else 0)
        self._after_change()

    # --- showing ---------------------------------------------------------------------------------------------------

    def _after_change(self) -> None:
        alert = self.selected_alert()
        if alert is not None and alert != self._selected_view:  # it changed (an occurrence, an acknowledgement)
            self._selected_view = alert
            self.sig_history_wanted.emit(alert.id)
        self._label_filters()
        self._update_actions()
        self._show_history()
        self.empty_state.refresh()
        busy = bool(self.model.alerts() or self.silences.rows)
        if busy and not self._tick.isActive():
            self._tick.start()
        elif not busy:
            self._tick.stop()
        counts = (self.model.count("unacked"), self.model.open_critical())
        if counts != self._counts:
            self._counts = counts
            self.sig_counts_changed.emit(*counts)

    def _label_filters(self) -> None:
        for name, button in self.filter_buttons.items():
            words = t(*FILTER_WORDS[name])
            button.setText(f"{words} ({self.model.count(name):,})" if self._loaded else words)

    def _show_silences(self) -> None:
        alerts = self.model.alerts()
        self.silences.show_silences(self.model.silences(), self._clock(), {a.rule_id: rule_name(a) for a in alerts},
                                    {a.scope_key: scope_name(a) for a in alerts})

    def _show_history(self) -> None:
        """The selected alert's history, newest first (nothing while the selected alert is not shown)."""
        self.history.clear()
        alert = self.selected_alert()
        if self._history is None or alert is None or self._history[0] != alert.id:
            return
        for action in sorted(self._history[1], key=lambda a: a.at, reverse=True):  # newest first, as the alerts
            self.history.addItem(history_line(action.at, action.action, action.actor, action.role, action.comment))

    def _empty_text(self) -> str:
        if not self._loaded:
            return t("กำลังโหลดการแจ้งเตือน…", "Loading alerts…")
        if not self.model.alerts():
            return t("ไม่มีการแจ้งเตือน: ทุกกฎอยู่ในเกณฑ์ปกติ การแจ้งเตือนใหม่จะแสดงที่นี่ ใหม่สุดอยู่บน",
                     "No alerts: every rule is quiet. New alerts show here, newest first.")
        return {"open": t("ไม่มีการแจ้งเตือนที่เปิดอยู่: ตอนนี้ไม่มีอะไรต้องดำเนินการ",
                          "No open alerts: nothing needs action now"),
                "unacked": t("ไม่มีการแจ้งเตือนที่รอรับทราบ", "No alert is waiting to be acknowledged"),
                "cleared": t("ยังไม่มีการแจ้งเตือนที่คลี่คลายแล้ว", "No cleared alerts yet"),
                }.get(self.model.filter, t("ไม่มีการแจ้งเตือน", "No alerts"))

    def refresh_times(self) -> None:
        """Ages move on and silences end (the panel's timer calls it every ``TICK_MS``)."""
        self.model.refresh_times()
        if self.silences.shown_ids() != [s.id for s in showing(self.model.silences(), self._clock())]:
            self._show_silences()
        self._update_actions()

    # --- actions ---------------------------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        alert = self.selected_alert()
        now = self._clock()
        if alert is None:
            self.summary.setText(t("เลือกการแจ้งเตือนในตารางเพื่อดูรายละเอียดและประวัติ",
                                   "Select an alert in the table to see it in full and its history"))
        else:
            lines = [alert_summary(alert, now), state_text(alert, now)]
            if alert.ack_comment:
                lines[-1] += f": {alert.ack_comment}"
            until, silence = self.model.silenced(alert)
            if until is not None:
                lines.append(silenced_text(until, now, silence))
            self.summary.setText("\n".join(lines))
        linked = alert is not None and alert.incident_id is not None
        self.ack_button.setText(t("รับทราบ…", "Acknowledge…"))
        self.silence_button.setText(t("ปิดเสียงกฎ…", "Silence rule…"))
        number = (alert.incident_ref or alert.incident_id) if alert is not None else None
        self.incident_button.setText(t(f"ดูเหตุการณ์ #{number}", f"Show incident #{number}")
                                     if linked else t("เปิดเหตุการณ์", "Open incident"))
        self.map_button.setText(t("ดูบนแผนที่", "Show on map"))
        self.silences.set_end_refused(t(*VIEWER_REASON) if self._role == "viewer" else None)
        self._enable(self.ack_button, t("รับทราบการแจ้งเตือนพร้อมความเห็น", "Acknowledge the alert with a comment"),
                     self._why_not_acknowledge(alert))
        self._enable(self.silence_button, t("ปิดเสียงกฎนี้ชั่วคราว พร้อมเหตุผล", "Silence this rule for a while, "
                                            "with a reason"), self._why_not_change(alert))
        self._enable(self.incident_button, t("เปิดเหตุการณ์จากการแจ้งเตือนนี้ หรือรวมกับเรื่องที่เปิดอยู่",
                                             "Open an incident from this alert, or update the open one")
                     if not linked else t("แสดงเหตุการณ์ที่ผูกกับการแจ้งเตือนนี้", "Show the linked incident"),
                     self._why_not_change(alert) if not linked else None)
        self._enable(self.map_button, t("แสดงสถานีหรือพื้นที่บนแผนที่", "Outline the station or area on the map"),
                     self._why_not_map(alert))

    @staticmethod
    def _enable(button: QPushButton, what: str, why_not: str | None) -> None:
        button.setEnabled(why_not is None)
        button.setToolTip(plain_tooltip(what if why_not is None else f"{what}\n{why_not}"))

    def _why_not_change(self, alert: AlertView | None) -> str | None:
        if alert is None:
            return t("เลือกการแจ้งเตือนก่อน", "Select an alert first")
        if self._role == "viewer":
            return t(*VIEWER_REASON)
        return None

    def _why_not_acknowledge(self, alert: AlertView | None) -> str | None:
        why = self._why_not_change(alert)
        if why is not None or alert is None:
            return why
        if alert.state == "acknowledged":
            who = alert.acknowledged_by or "—"
            return t(f"รับทราบแล้วโดย {who}", f"Acknowledged already by {who}")
        if alert.state == "cleared":
            return t("การแจ้งเตือนนี้คลี่คลายแล้ว", "This alert has cleared")
        return None

    @staticmethod
    def _why_not_map(alert: AlertView | None) -> str | None:
        if alert is None:
            return t("เลือกการแจ้งเตือนก่อน", "Select an alert first")
        if alert.lat is None or alert.lon is None:
            return t("การแจ้งเตือนนี้ไม่มีตำแหน่งบนแผนที่ (เช่น เรื่องของแหล่งข้อมูล)",
                     "This alert has no place on the map (a feed, say)")
        return None

    def _ask(self, signal: Signal) -> None:
        alert = self.selected_alert()
        if alert is not None:
            signal.emit(alert.id)  # type: ignore[attr-defined]

    def _open_acknowledge(self) -> None:
        alert = self.selected_alert()
        if alert is None or self._why_not_acknowledge(alert) is not None:
            return
        if self.ack_dialog is not None:
            self.ack_dialog.close()
        self.ack_dialog = AcknowledgeDialog(alert, self, clock=self._clock)
        self.ack_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ack_dialog.sig_acknowledged.connect(self._acknowledged)
        self.ack_dialog.finished.connect(lambda _r: setattr(self, "ack_dialog", None))
        self.ack_dialog.open()

    def _acknowledged(self, alert_id: int, comment: str) -> None:
        if self._role != "viewer":  # the role may have changed while the dialog was open
            self.sig_acknowledge.emit(alert_id, comment)

    def _open_silence(self) -> None:
        alert = self.selected_alert()
        if alert is None or self._why_not_change(alert) is not None:
            return
        if self.silence_dialog is not None:
            self.silence_dialog.close()
        self.silence_dialog = SilenceDialog(alert, self, clock=self._clock)
        self.silence_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.silence_dialog.sig_silence_chosen.connect(self._silenced)
        self.silence_dialog.finished.connect(lambda _r: setattr(self, "silence_dialog", None))
        self.silence_dialog.open()

    def _silenced(self, rule_id: str, scope_key: object, until: object, reason: str) -> None:
        if self._role != "viewer":
            self.sig_silence.emit(rule_id, scope_key, until, reason)

    def _end_silence(self, silence_id: int) -> None:
        if self._role != "viewer":
            self.sig_end_silence.emit(silence_id)
