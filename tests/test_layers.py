"""The dependency rules are a test: services never import Qt; widgets and maps do no HTTP, SQL or keyring."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_services_import_without_qt() -> None:
    """Belt and braces: importing every services module in a fresh interpreter loads no Qt at all."""
    code = (
        "import importlib, pkgutil, sys, services\n"
        "for m in pkgutil.walk_packages(services.__path__, 'services.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'folium')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


CONSOLE = ROOT / "console"
# The command-line entry points: plain Python, no window (everything else in console/ drives Qt).
CLI_MODULES = {"__init__.py", "__main__.py", "cli.py", "import_command.py", "secret_command.py", "store_command.py",
               "store_unsent_command.py"}
QT_PACKAGES = {"PySide6", "shiboken6"}


def _imported_roots(tree: ast.Module) -> set[str]:
    roots = set()
    for node in ast.walk(tree):  # function-level imports count: start-up imports Qt late on purpose
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_console_holds_qt_drivers_only() -> None:
    """Use cases, start-up assembly and words live elsewhere (services/, widgets/): every module in console/ but
    the command-line entry points imports Qt."""
    without_qt = sorted(path.name for path in CONSOLE.glob("*.py") if path.name not in CLI_MODULES
                        and not _imported_roots(ast.parse(path.read_text(encoding="utf-8"))) & QT_PACKAGES)
    assert without_qt == [], f"console/ modules without Qt (move them to services/ or widgets/): {without_qt}"


def test_console_imports_with_import_statements() -> None:
    """No module-name strings (importlib.import_module, __import__): import-linter sees only real statements."""
    found = []
    for path in sorted(CONSOLE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (
                    (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                    or (isinstance(node.func, ast.Name) and node.func.id in ("__import__", "import_module"))):
                found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "importlib" \
                    and any(alias.name == "import_module" for alias in node.names):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


def test_the_workers_late_imports_are_arrows_import_linter_sees() -> None:
    """What the workers import late (inside functions, so the window appears first) is in the import graph the
    contracts are checked on."""
    graph = grimp.build_graph("console", "services", "widgets", "maps", "resources")
    arrows = [("console.startup_flow", "services.startup"), ("console.store_refusal", "services.startup"),
              ("console.incident_controller", "services.incident_actions"),
              ("console.incident_controller", "services.incident_queries"),
              ("console.outbox_controller", "services.outbox_drain"),
              ("console.map_controller", "services.map_refresh"), ("console.map_controller", "maps.page_build"),
              ("console.writer_wiring", "services.writer_setup")]
    missing = [arrow for arrow in arrows if not graph.direct_import_exists(importer=arrow[0], imported=arrow[1])]
    assert missing == []
