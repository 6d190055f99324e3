"""The Alerts dock: the alert rules evaluated on the stored data, and what operators do with the alerts.

Evaluation (services.alerts.evaluate through ``Store.evaluate_alerts``) runs on the database worker at start and
after each poll that stored data a rule reads (air quality, river levels, hotspots; every poll for the feed-health
rules), coalesced: a burst of polls makes one pass. The rules come from the workstation's ``alert_rules.json`` when
it exists, else the ones shipped with the console; a file that does not validate is reported in words and the
shipped rules stay in force (an operator is never left without alerts because of a typo).

A pass that raises or reopens a critical alert that is not silenced sounds and notifies (console.alert_notifier);
the list, the silences and the strip's chip are read again after every pass and every action. Acknowledging needs a
comment and silencing a reason (the dialogs ask); both are refused for a viewer by the store as well as greyed out
here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction

from console.alert_notifier import AlertNotifier
from widgets.alert_rules_dialog import AlertRulesDialog
from widgets.alerts_panel import AlertsPanel
from widgets.failure_text import describe_refusal
from widgets.i18n import t
from widgets.staggered_timer import StaggeredTimer

if TYPE_CHECKING:
    from pathlib import Path

    from console.controller import ConsoleController
    from services.alerts.model import AlertView, EvaluationResult, Silence
    from services.store.store import Store

log = logging.getLogger(__name__)

EVALUATE_COALESCE_MS = 1500  # the polls of one sync land within a second or two: one evaluation for all of them
RELOAD_TICK_MS = 60_000  # feed staleness and silences end with time alone
ALERT_LIST_LIMIT = 500
ASKED_KEPT = 20  # alerts beyond the list kept listed once asked for by id (show_alert)
CHIP = "alerts"  # the situation strip's chip: open alerts nobody has acknowledged
_RULE_LAYERS = frozenset({"air", "river", "hotspots"})  # map layers whose data the rules read


def _load_rules(path: Path, settings: Any) -> tuple[Any, str | None]:
    """Database worker: the workstation's rules, or the shipped ones with the reason the workstation's failed; they
    see the feeds and saved map areas of ``settings``."""
    from services.alerts.context import rules_context
    from services.alerts.rules import AlertRulesError, load_rules

    context = rules_context(settings)
    if not path.exists():
        return load_rules(None).with_context(context), None
    try:
        return load_rules(path).with_context(context), None
    except AlertRulesError as exc:
        return load_rules(None).with_context(context), str(exc)


def _rules_text(path: Path) -> tuple[str, bool]:
    from services.alerts.rules_file import rules_text

    return rules_text(path)


def _evaluate(store: Store, rules: Any) -> EvaluationResult:
    return store.evaluate_alerts(rules, datetime.now(UTC))


def _plan_incident(store: Store, alert_id: int, role: str) -> Any:
    from services.alerts.incident_link import plan_incident

    return plan_incident(store, alert_id, role)


def _link_incident(store: Store, alert_id: int, incident_id: int, actor: str, role: str, opened: bool) -> Any:
    from services.alerts.incident_link import link_incident

    return link_incident(store, alert_id, incident_id, actor, role, datetime.now(UTC), opened=opened)


def _read(store: Store, asked: Sequence[int] = ()) -> tuple[list[AlertView], list[Silence], dict[int, AlertView]]:
    """Database worker: the dock's list and the active silences; alerts ``asked`` for by id (a refused entry's, older
    than the list reaches) are listed after it."""
    alerts = store.alerts(limit=ALERT_LIST_LIMIT)
    listed = {a.id for a in alerts}
    for alert_id in asked:
        if alert_id not in listed:
            try:
                alerts.append(store.alert(alert_id))
            except LookupError:
                continue  # gone (a salvaged store): the caller says so
    return alerts, store.active_silences(datetime.now(UTC)), {a.id: a for a in alerts}


class AlertController(QObject):
    """Builds the Alerts dock and keeps it in step with the store (see the module)."""

    sig_incident_requested = Signal(int)
    """An alert's linked incident was asked for: show it in the queue and on the map."""
    sig_map_requested = Signal(object)
    """Show this alert's place on the map (an AlertView)."""
    sig_notice = Signal(str)
    """A message for the status bar."""
    sig_evaluated = Signal(object)
    """One evaluation pass landed (its EvaluationResult)."""
    sig_alerts_read = Signal()
    """The dock's list was read again."""

    def __init__(self, controller: ConsoleController, rules_path: Path) -> None:
        super().__init__(controller)
        self._c = controller
        self._window = controller.window
        self._rules_path = rules_path
        self._store: Store | None = None
        self._rules: Any = None
        self._settings: Any = None
        self.rules_dialog: AlertRulesDialog | None = None
        self.rules_action = QAction(self._window)
        self.rules_action.setObjectName("alertRulesAction")
        self._window.add_file_action(self.rules_action)
        self.rules_action.triggered.connect(self.open_rules)
        self._closed = False
        self._alerts: dict[int, AlertView] = {}
        self._asked: list[int] = []  # alerts shown by id that the newest ALERT_LIST_LIMIT do not hold
        self.panel = AlertsPanel(self._window)
        self.notifier = AlertNotifier(self._window, self)
        self._window.add_dock("alerts", self.panel, Qt.DockWidgetArea.BottomDockWidgetArea, tab_with="incidents")
        self._coalesce = QTimer(self, singleShot=True, interval=EVALUATE_COALESCE_MS)
        self._tick = StaggeredTimer(self, RELOAD_TICK_MS)
        self._coalesce.timeout.connect(self.evaluate)
        self._tick.timeout.connect(self.evaluate)
        self.panel.sig_acknowledge.connect(self._acknowledge)
        self.panel.sig_silence.connect(self._silence)
        self.panel.sig_end_silence.connect(self._end_silence)
        self.panel.sig_history_wanted.connect(self._history)
        self.panel.sig_show_on_map.connect(self._show_on_map)
        self.panel.sig_open_incident.connect(self._open_incident)
        self.notifier.sig_activated.connect(self.show_alert)
        self.notifier.sig_told.connect(lambda title, text: self.sig_notice.emit(f"{title}: {text}"))
        self.panel.sig_counts_changed.connect(self._show_chip)
        self._window.situation_strip.sig_chip_activated.connect(self._chip_clicked)
        controller.startup.sig_store_opened.connect(lambda startup: self.set_store(startup.store, startup.settings))
        controller.sync_controller.sig_feed_polled.connect(self._on_feed_polled)
        controller.incidents.role_combo.currentIndexChanged.connect(lambda _i: self._apply_role())
        self._window.sig_language_changed.connect(lambda _language: self.retranslate())
        self._apply_role()
        self._counts: tuple[int, int] | None = None
        self.retranslate()

    # --- the store and the rules -----------------------------------------------------------------------------------

    def set_store(self, store: Store, settings: Any) -> None:
        self._store = store
        self._settings = settings
        self.reload_rules()

    def reload_rules(self) -> None:
        """Read the rules again (the workstation's, else the shipped ones) and evaluate with them."""
        if self._store is None:
            return
        self._c.runner.run_db(_load_rules, self._rules_path, self._settings, on_done=self._rules_loaded,
                              on_error=self._rules_failed, key="alerts:rules")

    def _rules_loaded(self, loaded: tuple[Any, str | None]) -> None:
        rules, problem = loaded
        self._rules = rules
        if problem is not None:
            log.error("alert rules in %s refused, the shipped rules apply: %s", self._rules_path, problem)
            self.sig_notice.emit(t(f"กฎการแจ้งเตือนของเครื่องนี้ใช้ไม่ได้ ใช้กฎมาตรฐานแทน: {problem}",
                                   f"This workstation's alert rules were refused; the standard rules apply: {problem}"))
        self._tick.start()
        self.evaluate()

    def _rules_failed(self, exc: BaseException) -> None:
        log.error("alert rules could not be loaded: %s", exc)
        self.sig_notice.emit(t(f"โหลดกฎการแจ้งเตือนไม่ได้: {exc}", f"Alert rules could not be loaded: {exc}"))

    def shutdown(self) -> None:
        self._closed = True
        self._coalesce.stop()
        self._tick.stop()

    # --- evaluation ------------------------------------------------------------------------------------------------

    def _on_feed_polled(self, state: Any) -> None:
        if state.feed == "open311_alerts":  # other consoles' alerts and acknowledgements (services.sync.alert_feed)
            self.reload()
            return
        sync = self._c.sync_controller.sync
        spec = sync.spec(state.feed) if sync is not None else None
        stored = spec is not None and bool(_RULE_LAYERS & set(spec.map_layers) or spec.charts)
        # Feed-health rules read every feed's state, so a failed poll counts as well.
        if stored or state.consecutive_failures:
            self.schedule()

    def schedule(self) -> None:
        """Evaluate soon; what is asked within the coalescing interval makes one pass."""
        if not self._closed and not self._coalesce.isActive():
            self._coalesce.start()

    def evaluate(self) -> None:
        """Evaluate the rules now, on the database worker (latest wins)."""
        if self._store is None or self._rules is None or self._closed:
            return
        self._coalesce.stop()
        self._c.runner.run_db(_evaluate, self._store, self._rules, on_done=self._evaluated,
                              on_error=self._evaluation_failed, key="alerts:evaluate")

    def _evaluated(self, result: EvaluationResult) -> None:
        if self._closed:
            return
        self.sig_evaluated.emit(result)
        if result.changed:
            self._c.outbox.kick()  # the alerts queued for the backend (services.store.alert_outbox) go now
        # Read every time: silences end and ages move on without a change (``high`` is empty then).
        self.reload(notify=result.high)

    def _evaluation_failed(self, exc: BaseException) -> None:
        # The alerts shown stay; the next poll or the minute tick evaluates again.
        log.warning("alert rules could not be evaluated: %s", exc)
        self.sig_notice.emit(t(f"ประเมินการแจ้งเตือนไม่ได้: {describe_refusal(exc)}",
                               f"Alerts could not be evaluated: {describe_refusal(exc)}"))

    # --- the list --------------------------------------------------------------------------------------------------

    def reload(self, notify: Sequence[int] = (), select: int | None = None) -> None:
        """Read the list and the silences again; then notify of the new critical alerts ``notify`` and select
        alert ``select``."""
        if self._store is None or self._closed:
            return
        wanted, asked = tuple(notify), tuple(self._asked)
        self._c.runner.run_db(_read, self._store, asked, on_done=lambda read: self._show(read, wanted, select),
                              on_error=lambda exc: log.warning("alerts could not be read: %s", exc))

    def _show(self, read: tuple[list[AlertView], list[Silence], dict[int, AlertView]], notify: Sequence[int],
              select: int | None = None) -> None:
        if self._closed:
            return
        alerts, silences, by_id = read
        self._alerts = by_id
        self.panel.set_alerts(alerts)
        self.panel.set_silences(silences)
        if select is not None and not self.panel.select_alert(select):
            self.sig_notice.emit(t("ไม่พบการแจ้งเตือนนี้ในคลังข้อมูลแล้ว", "That alert is no longer in this store"))
        news = [by_id[i] for i in notify if i in by_id]
        if news:
            self.notifier.notify(news)
        self.sig_alerts_read.emit()

    @property
    def rules(self) -> Any:
        """The rule set in force (services.alerts.rules.RuleSet; None until loaded)."""
        return self._rules

    def alerts(self) -> list[AlertView]:
        """The alerts the dock holds (newest first)."""
        return sorted(self._alerts.values(), key=lambda a: a.last_at, reverse=True)

    def show_alert(self, alert_id: int) -> None:
        """Bring the Alerts dock forward with ``alert_id`` selected."""
        dock = self._window.dock("alerts")
        dock.show()
        dock.raise_()
        if not self.panel.select_alert(alert_id):  # older than the list reaches: read it, and keep it listed
            if alert_id not in self._asked:
                self._asked = [*self._asked[-(ASKED_KEPT - 1):], alert_id]
            self.reload(select=alert_id)

    # --- actions ---------------------------------------------------------------------------------------------------

    def _who(self) -> tuple[str, str]:
        return self._c.incidents.actor(), self._c.incidents.role

    def _apply_role(self) -> None:
        self.panel.set_role(self._c.incidents.role)

    def _acknowledge(self, alert_id: int, comment: str) -> None:
        if self._store is None:
            return
        actor, role = self._who()
        self._c.runner.run_db(lambda store: store.acknowledge_alert(alert_id, comment, actor, role,
                                                                    datetime.now(UTC)), self._store,
                              on_done=lambda _view: self._done(t("รับทราบการแจ้งเตือนแล้ว", "Alert acknowledged")),
                              on_error=self._refused)

    def _silence(self, rule_id: str, scope_key: str | None, until: datetime, reason: str) -> None:
        if self._store is None:
            return
        actor, role = self._who()
        self._c.runner.run_db(lambda store: store.silence_rule(rule_id, scope_key, until, reason, actor, role,
                                                               datetime.now(UTC)), self._store,
                              on_done=lambda _s: self._done(t("ปิดเสียงกฎแล้ว", "Rule silenced")),
                              on_error=self._refused)

    def _end_silence(self, silence_id: int) -> None:
        if self._store is None:
            return
        actor, role = self._who()
        self._c.runner.run_db(lambda store: store.end_silence(silence_id, actor, role, datetime.now(UTC)),
                              self._store, on_done=lambda _r: self._done(t("เลิกปิดเสียงแล้ว", "Silence ended")),
                              on_error=self._refused)

    def _done(self, message: str) -> None:
        self.sig_notice.emit(message)
        self._c.outbox.kick()  # the acknowledgement or silence goes to the backend now
        self.reload()

    def _refused(self, exc: BaseException) -> None:
        log.warning("alert action refused or failed: %s", exc)
        message = describe_refusal(exc)
        self.sig_notice.emit(t(f"ทำรายการไม่ได้: {message}", f"Not done: {message}"))

    def _history(self, alert_id: int) -> None:
        if self._store is None:
            return
        self._c.runner.run_db(lambda store: store.alert_history(alert_id), self._store,
                              on_done=lambda actions: self.panel.set_history(alert_id, actions),
                              on_error=lambda exc: log.warning("alert history could not be read: %s", exc),
                              key="alerts:history")

    def _show_on_map(self, alert_id: int) -> None:
        alert = self._alerts.get(alert_id)
        if alert is not None:
            self.sig_map_requested.emit(alert)

    def _open_incident(self, alert_id: int) -> None:
        """Show the alert's incident, add the alert to the open incident of its area and category, or take in a new
        one from it (services.alerts.incident_link)."""
        if self._store is None:
            return
        self._c.runner.run_db(_plan_incident, self._store, alert_id, self._c.incidents.role,
                              on_done=self._planned, on_error=self._refused)

    def _planned(self, plan: Any) -> None:
        if self._closed or self._store is None:
            return
        alert_id = plan.alert.id
        if plan.linked_already:
            self.sig_incident_requested.emit(plan.existing_id)
        elif plan.existing_id is not None:
            existing = plan.existing_id
            # No number: the detail dock shows the incident with the number operators know (not the local id).
            done = (t("เพิ่มการแจ้งเตือนในเหตุการณ์ใหญ่ของพื้นที่แล้ว", "Alert joined the area's major incident")
                    if plan.major else t("เพิ่มการแจ้งเตือนในเหตุการณ์ที่เปิดอยู่ของพื้นที่แล้ว",
                                         "Alert added to the area's open incident"))
            self._link(alert_id, existing, opened=False, done=done)
        else:
            self._c.incidents.open_intake(
                plan.lat, plan.lon,
                prefill={"category": plan.category, "priority": plan.priority, "description": plan.description,
                         "source": "sensor"},
                on_saved=lambda incident_id: self._link(alert_id, incident_id, opened=True, done=t(
                    "เปิดเหตุการณ์จากการแจ้งเตือนแล้ว", "Incident opened from the alert")))

    def _link(self, alert_id: int, incident_id: int, *, opened: bool, done: str) -> None:
        if self._store is None:
            return
        actor, role = self._who()
        self._c.runner.run_db(_link_incident, self._store, alert_id, incident_id, actor, role, opened,
                              on_done=lambda _view: (self._done(done), self.sig_incident_requested.emit(incident_id),
                                                     self._c.incidents.schedule_reload()),
                              on_error=self._refused)

    # --- the rules dialog ------------------------------------------------------------------------------------------

    def open_rules(self) -> None:
        """Show the rules in force in a form (a supervisor can change them)."""
        self._c.runner.run_db(_rules_text, self._rules_path, on_done=self._show_rules,
                              on_error=lambda exc: self.sig_notice.emit(describe_refusal(exc)))

    def _show_rules(self, read: tuple[str, bool]) -> None:
        if self._closed:
            return
        if self.rules_dialog is not None:
            self.rules_dialog.close()
        text, own = read
        dialog = AlertRulesDialog(text, own, self._c.incidents.role, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_save_requested.connect(self._save_rules)
        dialog.sig_restore_requested.connect(self._restore_rules)
        dialog.destroyed.connect(lambda: setattr(self, "rules_dialog", None))
        self.rules_dialog = dialog
        dialog.show()

    def _save_rules(self, text: str) -> None:
        from services.alerts.rules_file import save_rules

        self._c.runner.run_db(save_rules, self._rules_path, text, self._c.incidents.role,
                              on_done=lambda _rules: self._rules_changed(t("บันทึกกฎการแจ้งเตือนแล้ว",
                                                                         "Alert rules saved")),
                              on_error=self._rules_refused)

    def _restore_rules(self) -> None:
        from services.alerts.rules_file import restore_shipped

        self._c.runner.run_db(restore_shipped, self._rules_path, self._c.incidents.role,
                              on_done=lambda _r: self._rules_changed(t("กลับไปใช้กฎมาตรฐานแล้ว",
                                                                     "The shipped alert rules apply again")),
                              on_error=self._rules_refused)

    def _rules_changed(self, message: str) -> None:
        if self.rules_dialog is not None:
            self.rules_dialog.accept()
        self.sig_notice.emit(message)
        self.reload_rules()

    def _rules_refused(self, exc: BaseException) -> None:
        log.warning("alert rules not saved: %s", exc)
        message = describe_refusal(exc)
        if self.rules_dialog is not None:
            self.rules_dialog.show_error(message)
        else:
            self.sig_notice.emit(message)

    # --- the strip's chip -----------------------------------------------------------------------------------------

    def _show_chip(self, unacked: int | None = None, critical: int | None = None) -> None:
        if unacked is not None and critical is not None:
            self._counts = (unacked, critical)
        counts = self._counts
        level = "unknown" if counts is None else "urgent" if counts[1] else "watch" if counts[0] else "calm"
        self._window.situation_strip.set_chip(
            CHIP, None if counts is None else counts[0], level, t("แจ้งเตือนรอรับทราบ", "alerts to acknowledge"),
            t("การแจ้งเตือนที่ยังไม่มีใครรับทราบ: แสดงในแผงการแจ้งเตือน",
              "Alerts nobody has acknowledged yet: shown in the Alerts dock")
            + ("" if counts is None or not counts[1] else t(f"\nวิกฤตที่ยังไม่คลี่คลาย: {counts[1]}",
                                                            f"\nCritical, not cleared: {counts[1]}")))

    def _chip_clicked(self, key: str) -> None:
        if key == CHIP:
            self.panel.show_filter("unacked")
            dock = self._window.dock("alerts")
            dock.show()
            dock.raise_()

    def retranslate(self) -> None:
        self.rules_action.setText(t("กฎการแจ้งเตือน…", "Alert rules…"))
        self._show_chip()
        self._window.dock("alerts").setWindowTitle(t("การแจ้งเตือน", "Alerts"))
        self.panel.retranslate()
        self.notifier.retranslate()
