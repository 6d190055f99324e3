"""Start the console window: environment, logging, settings, QApplication, window and controller."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from console.runtime_guard import UnsupportedRuntime, check_runtime
from services.paths import resolve_paths
from services.settings_peek import peek_language, peek_mode

log = logging.getLogger(__name__)

THAI_CAPABLE_FONTS = ["Noto Sans", "Noto Sans Thai", "Loma", "Garuda", "Tlwg Typo", "DejaVu Sans", "sans-serif"]


def prepare_environment(headless: bool) -> None:
    """Qt environment that must be set before QApplication exists."""
    if headless and not os.environ.get("QT_QPA_PLATFORM") \
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Chromium (QtWebEngine) refuses to run its sandbox as root; only then is it turned off.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def run_gui(args: argparse.Namespace) -> int:
    try:
        check_runtime()
    except UnsupportedRuntime as exc:
        print(f"pao-console: {exc}", file=sys.stderr)
        return 3

    paths = resolve_paths(args.data_dir)
    # The store folder depends on the mode, so it is known before anything opens: the flag, else the settings.
    mode = args.mode or peek_mode(paths.settings_file) or "demo"
    paths = paths.with_mode(mode)
    try:
        paths.ensure()
    except OSError as exc:
        print(f"pao-console: cannot use data directory {paths.root}: {exc.strerror or exc}", file=sys.stderr)
        return 2

    from services.logging_setup import setup_logging

    setup_logging(paths.log_file)
    # The validated settings load on a worker after the window is up; the window only needs its language now.
    language = args.lang or peek_language(paths.settings_file) or "th"

    interactive = not (args.screenshot or args.exit_when_shown)
    prepare_environment(headless=not interactive)

    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication, QMessageBox

    from console.main_window import MainWindow
    from widgets.i18n import set_language

    from console.qt_messages import route_qt_messages_to_log
    from maps.scheme_handler import register_scheme

    route_qt_messages_to_log()
    register_scheme()  # QtWebEngine requires custom schemes before the QApplication exists
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from console.ui_garbage_collector import UiThreadGarbageCollector

    collector = UiThreadGarbageCollector(app)  # lives as the app's child
    from services.interpreter_lock import favour_ui_thread

    favour_ui_thread()
    app.setApplicationName("pao-console")
    app.setOrganizationName("ChiangMaiPAO")
    font = QFont(app.font())
    font.setFamilies(THAI_CAPABLE_FONTS)
    app.setFont(font)
    set_language(language)

    from console.single_instance import SingleInstance, ask_holder_to_raise

    instance = SingleInstance(paths, app)
    holder = instance.acquire()
    if holder is not None:
        return _already_running(paths, holder, interactive, ask_holder_to_raise)

    ui_settings = QSettings(str(paths.window_settings), QSettings.Format.IniFormat)
    window = MainWindow(ui_settings if not args.screenshot else None)
    exit_code = {"value": 0}
    composed: dict[str, object] = {}

    if args.screenshot:
        width, _, height = args.size.partition("x")
        window.resize(int(width), int(height))
        window.restore_layout()  # the default layout: screenshots never read or write a saved one
    else:
        window.restore_layout()
        if window.width() < 400:
            window.resize(1440, 900)
    window.show()

    def fatal(message: str) -> None:
        log.error("fatal: %s", message)
        print(f"pao-console: {message}", file=sys.stderr)
        exit_code["value"] = 4
        if not (args.screenshot or args.exit_when_shown):
            box = QMessageBox(QMessageBox.Icon.Critical, window.windowTitle(), message, parent=window)
            box.setTextFormat(Qt.TextFormat.PlainText)  # paths and reasons are shown as written, never as markup
            box.exec()
        window.close()

    def declined(message: str) -> None:
        """The operator chose to close (e.g. instead of opening another backend's store): no second message box."""
        log.warning("closing: %s", message)
        print(f"pao-console: {message}", file=sys.stderr)
        exit_code["value"] = 4
        window.close()

    def compose() -> None:
        """After the first paint: the controller and everything behind it (their imports cost the operator a
        blank-window moment otherwise)."""
        if not window.isVisible():
            return
        from console.controller import ConsoleController

        controller = ConsoleController(window, paths, mode=mode, language=args.lang,
                                       simulator_url=args.simulator_url, interactive=interactive,
                                       scenario=args.scenario)
        composed["controller"] = controller
        controller.sig_fatal.connect(fatal)
        controller.sig_declined.connect(declined)
        instance.listen()
        instance.sig_raise_requested.connect(lambda: bring_forward(window))
        # Once the first sync is in, what exists lives as long as the process: out of later full collections.
        controller.sync_controller.sig_first_sync_finished.connect(collector.settle)
        if args.screenshot:
            from console.screenshot import ScreenshotJob

            from console.cli import SCREENSHOT_PANELS

            job = ScreenshotJob(window, controller, Path(args.screenshot), args.wait,
                                [SCREENSHOT_PANELS[name] for name in args.panel])
            job.sig_done.connect(lambda ok: (exit_code.__setitem__("value", exit_code["value"] or (0 if ok else 5)),
                                             window.close()))
            composed["job"] = job
        controller.start()
        if args.screenshot:
            job.start()

    if args.exit_when_shown:
        # Start-up benchmark: the first event-loop turn after show() is when the operator sees the window.
        QTimer.singleShot(0, lambda: (print("window-shown", flush=True), window.close()))
    QTimer.singleShot(0, compose)
    from console.termination import CloseOnTermination

    CloseOnTermination(window)  # SIGTERM / Ctrl-C close the window as the operator would (lives as its child)
    app.exec()
    controller = composed.get("controller")
    if controller is not None:
        # Usually done already, when the window closed. Bounded: queued database work gets its timeout, network
        # calls a short grace, and their threads cannot hold the process after this returns.
        controller.shutdown()  # type: ignore[attr-defined]
    instance.release()  # after the store is closed: a console started now must not meet it half shut
    return exit_code["value"]


def bring_forward(window) -> None:  # type: ignore[no-untyped-def]
    """Another start asked for this console: show its window on top (un-minimised)."""
    from PySide6.QtCore import Qt

    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()


def _already_running(paths, holder, interactive: bool, ask_holder_to_raise) -> int:  # type: ignore[no-untyped-def]
    """A second start on a held data directory: say which process holds it and offer its window."""
    from widgets.i18n import t

    where = f" on {holder.hostname}" if holder.hostname else ""
    who = t(f"โปรแกรมอีกตัว (process {holder.pid}{where})", f"another console (process {holder.pid}{where})")
    message = t(f"{who} ใช้ไดเรกทอรีข้อมูล {paths.root} อยู่แล้ว: เปิดได้ครั้งละหนึ่งโปรแกรมต่อไดเรกทอรี",
                f"{who} is already running on data directory {paths.root}; one console per data directory")
    print(f"pao-console: {message}", file=sys.stderr)
    log.warning("not started: %s", message)
    ask = True
    if interactive:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Information, "pao-console", message)
        bring = box.addButton(t("แสดงหน้าต่างของโปรแกรมนั้น", "Bring its window forward"),
                              QMessageBox.ButtonRole.AcceptRole)
        box.addButton(t("ปิด", "Close"), QMessageBox.ButtonRole.RejectRole)
        box.exec()  # nothing else runs in this process: it only asks and exits
        ask = box.clickedButton() is bring
    if ask:
        raised = ask_holder_to_raise(paths)
        print("pao-console: " + (t("ขอให้แสดงหน้าต่างแล้ว", "asked it to bring its window forward") if raised else
                                 t("ติดต่อโปรแกรมนั้นไม่ได้", "could not reach it")), file=sys.stderr)
    return 6
