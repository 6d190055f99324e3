"""Map test fixtures: the ``pao://`` scheme registered before pytest-qt creates the QApplication, the page built
once per session, and a shown, ready MapView. Helpers read page state through the bridge's ``query``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from maps.map_view import MapView  # imports QtWebEngineWidgets, which must precede the QApplication
from maps.page_build import build_page
from maps.scheme_handler import register_scheme

# pytest-qt's session ``qapp`` fixture creates the QApplication at the first test that needs it, which is after
# every conftest has been imported: registering here (at import) is early enough, as QtWebEngine requires.
register_scheme()

READY_TIMEOUT_MS = 20_000

# What QtWebEngine says on a headless machine with no GPU while it falls back to software rendering: facts about
# the machine, not failures of the map.
HEADLESS_GPU_MESSAGES = (
    r"QRhiGles2: Failed to create",
    r"Failed to create RHI for backend",
    r"does not support createPlatformVulkanInstance",
    r"QVulkanInstance: Failed to initialize Vulkan",
    r"GBM is not supported",
    r"GPUInfo not initialized",
    r"Failed to connect to the bus",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(*HEADLESS_GPU_MESSAGES))


@pytest.fixture(scope="session")
def page_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The map page, built once for the session."""
    out = tmp_path_factory.mktemp("map-page")
    build_page(out)
    return out


def make_view(qtbot: Any, page_dir: Path, tile_provider: Any = None) -> MapView:
    view = MapView(page_dir, tile_provider=tile_provider)
    qtbot.addWidget(view, before_close_func=lambda w: w.shutdown())
    view.resize(900, 700)
    view.show()
    with qtbot.waitSignal(view.sig_ready, timeout=READY_TIMEOUT_MS):
        view.load()
    return view


@pytest.fixture
def map_view(qtbot: Any, page_dir: Path) -> Iterator[MapView]:
    """A shown MapView whose page said ready (no tile provider)."""
    view = make_view(qtbot, page_dir)
    yield view
    view.shutdown()


def ask(qtbot: Any, view: MapView, what: str, **extra: Any) -> Any:
    """Send a ``query`` and wait for its reply."""
    box: list[Any] = []
    view.query(what, box.append, **extra)
    qtbot.waitUntil(lambda: bool(box), timeout=15_000)
    return box[0]


def js(qtbot: Any, view: MapView, code: str) -> Any:
    """Run ``code`` in the page's main world and return its (JSON-able) result."""
    box: list[Any] = []
    view.page.runJavaScript(f"JSON.stringify((function(){{ {code} }})())", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return None if box[0] in (None, "undefined") else json.loads(box[0])


def point(fid: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    """A GeoJSON point feature."""
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": fid, **props}}


Ask = Callable[..., Any]
