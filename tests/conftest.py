"""Shared fixtures: Qt offscreen, a real simulator on a free loopback port, a store in a temporary directory,
and a console-window factory that shuts everything down and fails on leaked threads or windows."""

from __future__ import annotations

import os

# Before anything imports Qt: offscreen rendering, and Chromium's sandbox off only when running as root.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from maps.scheme_handler import register_scheme

# QtWebEngine needs the pao:// scheme declared before the QApplication exists (pytest-qt makes it later).
register_scheme()

import argparse  # noqa: E402
import gc  # noqa: E402
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest

from services.paths import DataPaths
from services.simulator.server import SimulatorServer
from services.store.database import open_store
from services.store.store import Store
from tests.support.memory_keyring import MemoryKeyring


# Cyclic garbage collection only on the main (Qt) thread, as the console does (console/ui_garbage_collector.py):
# a collection pass on a worker thread that frees a QObject cycle leaves dangling Qt timers behind (a segfault).
gc.disable()


@pytest.fixture(autouse=True)
def _collect_garbage_on_main_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    uses_qt = any(name in request.fixturenames for name in ("qtbot", "qapp", "qtmodeltester"))
    gc.collect() if uses_qt else gc.collect(0)


@pytest.fixture(autouse=True)
def _forget_category_names() -> Iterator[None]:
    # A console under test learns the backend's category names process-wide; the next test starts without them.
    yield
    from widgets.incident_rows import set_category_names

    set_category_names(())


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow (soak runs)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    """The real simulator on a free loopback port."""
    server = SimulatorServer(port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "store.sqlite3")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def data_paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data").ensure()


@pytest.fixture
def console_factory(qtbot, data_paths: DataPaths) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """Build a MainWindow + ConsoleController against a simulator URL (or an embedded one); closes them at the end
    without saving state, and fails the test if worker threads outlive it."""
    from console.controller import ConsoleController
    from console.main_window import MainWindow

    before = set(threading.enumerate())
    made: list[tuple[MainWindow, ConsoleController]] = []

    def make(*, simulator_url: str | None = None, mode: str | None = None,
             paths: DataPaths | None = None) -> ConsoleController:
        window = MainWindow(None)
        qtbot.addWidget(window)
        controller = ConsoleController(window, paths or data_paths, mode=mode, simulator_url=simulator_url)
        made.append((window, controller))
        window.show()
        controller.start()
        return controller

    yield make
    for window, controller in made:
        controller.shutdown(timeout=15)
        window.close()
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()
              and t.name.startswith(("db", "net"))]
    assert not leaked, f"worker threads leaked: {leaked}"


@pytest.fixture
def ui_nice() -> int:
    """The test thread's nice value (it stands for the UI thread, which nothing may lower); skips where threads have
    no priority of their own, or where the tests already run at the background priority."""
    from services import thread_priority

    if not thread_priority.supported():
        pytest.skip("per-thread priorities are Linux's")
    nice = thread_priority.thread_nice(threading.get_native_id())
    assert nice is not None
    if nice >= thread_priority.BACKGROUND_NICE:
        pytest.skip(f"the test process already runs at nice {nice}")
    return nice


@pytest.fixture
def english() -> Iterator[None]:
    """The UI in English for the test (assertions read its words), the language before restored after."""
    from widgets.i18n import current_language, set_language

    before = current_language()
    set_language("en")
    yield
    set_language(before)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory OS keyring for the test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def simulator_tokens_in_keyring(simulator: SimulatorServer, memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """The simulator's role tokens where a console started with ``--simulator-url`` finds them."""
    from services.credentials import simulator_token_name

    for role, token in simulator.tokens.items():
        memory_keyring.set_password("pao-console", simulator_token_name(role), token)
    return memory_keyring


def cli_args(**overrides: object) -> argparse.Namespace:
    from console.cli import build_parser

    args = build_parser().parse_args([])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args
