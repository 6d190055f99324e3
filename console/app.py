"""Start the console window: environment, logging, settings, QApplication, window and controller."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from console.runtime_guard import UnsupportedRuntime, check_runtime
from services.paths import resolve_paths
from services.settings_peek import peek_language

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
    try:
        paths.ensure()
    except OSError as exc:
        print(f"pao-console: cannot use data directory {paths.root}: {exc.strerror or exc}", file=sys.stderr)
        return 2

    from console.logging_setup import setup_logging

    setup_logging(paths.log_file)
    # The validated settings load on a worker after the window is up; the window only needs its language now.
    language = args.lang or peek_language(paths.settings_file) or "th"

    prepare_environment(headless=bool(args.screenshot or args.exit_when_shown))

    from PySide6.QtCore import QSettings, QTimer
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
    app.setApplicationName("pao-console")
    app.setOrganizationName("ChiangMaiPAO")
    font = QFont(app.font())
    font.setFamilies(THAI_CAPABLE_FONTS)
    app.setFont(font)
    set_language(language)

    ui_settings = QSettings(str(paths.root / "window.ini"), QSettings.Format.IniFormat)
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
            QMessageBox.critical(window, window.windowTitle(), message)
        window.close()

    def compose() -> None:
        """After the first paint: the controller and everything behind it (their imports cost the operator a
        blank-window moment otherwise)."""
        if not window.isVisible():
            return
        from console.controller import ConsoleController

        controller = ConsoleController(window, paths, mode=args.mode, language=args.lang,
                                       simulator_url=args.simulator_url)
        composed["controller"] = controller
        controller.sig_fatal.connect(fatal)
        # Once the first sync is in, what exists lives as long as the process: out of later full collections.
        controller.sync_controller.sig_first_sync_finished.connect(collector.settle)
        if args.screenshot:
            from console.screenshot import ScreenshotJob

            job = ScreenshotJob(window, controller, Path(args.screenshot), args.wait)
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
    app.exec()
    controller = composed.get("controller")
    if controller is not None:
        controller.shutdown()  # type: ignore[attr-defined]
    return exit_code["value"]
