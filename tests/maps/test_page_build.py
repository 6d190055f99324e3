"""The folium page: written once, no remote URL anywhere, every local path it names exists."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFile

from maps.page_build import build_page, referenced_app_paths, remote_urls, web_root
from maps.scheme_handler import QWEBCHANNEL_RESOURCE, resolve_inside


def test_page_has_no_remote_url_and_every_local_path_exists(tmp_path: Path) -> None:
    page = build_page(tmp_path)
    html = page.read_text(encoding="utf-8")
    assert page.name == "map.html"
    assert remote_urls(html) == []
    assert "cdn" not in html.lower() and "//" not in html.replace("pao://", "")
    paths = referenced_app_paths(html)
    assert "vendor/leaflet/leaflet.js" in paths and "console_map.js" in paths
    for rel in paths:
        if rel == "qwebchannel.js":
            assert QFile.exists(QWEBCHANNEL_RESOURCE)
        else:
            assert resolve_inside(web_root(), rel) is not None, rel
    assert "ConsoleMap.start(" in html
    assert "Content-Security-Policy" in html.split("<script", 1)[0]  # the policy precedes every script


def test_stylesheets_reference_only_local_files() -> None:
    import re

    for css in web_root().rglob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8"), flags=re.S)  # comments cite bug URLs
        assert remote_urls(text) == [], css
        assert "@import" not in text, css
        for ref in re.findall(r"url\(['\"]?([^'\")]+)", text):
            if ref.startswith(("data:", "#")):
                continue
            assert (css.parent / ref).is_file(), f"{css}: {ref}"


def test_path_traversal_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.js").write_text("1")
    (tmp_path / "secret.txt").write_text("no")
    assert resolve_inside(root, "ok.js") == (root / "ok.js").resolve()
    for bad in ("../secret.txt", "/../secret.txt", "..%2fsecret.txt", "", "a\\..\\secret.txt", "/etc/passwd", "."):
        assert resolve_inside(root, bad) is None, bad
