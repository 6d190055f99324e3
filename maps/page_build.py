"""Build the map page once with folium and write it to ``map.html`` (Qt-free).

folium hard-codes CDN URLs for Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers. The page needs only
Leaflet (from npm, copied into ``resources/web/vendor``), so the Leaflet ones are mapped to ``pao://app/vendor/...``
and the rest are dropped; :func:`remote_urls` and :func:`referenced_app_paths` let tests prove that the written
HTML names no http(s) URL and that every local path it names exists. Data never goes into the page here: it arrives
later as JSON messages over the bridge (``maps/bridge_protocol.py``), so nothing untrusted is ever rendered by a
template.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import folium
from branca.element import MacroElement
from jinja2 import Template

from maps.bridge_protocol import APP_HOST
from resources import resource

CHIANG_MAI = (18.79, 98.98)
START_ZOOM = 9
PAGE_NAME = "map.html"
APP_URL = f"pao://{APP_HOST}/"
QWEBCHANNEL_JS = "qwebchannel.js"  # served by the scheme handler from Qt's resource :/qtwebchannel/qwebchannel.js

# (name, path under resources/web) in load order. Leaflet first; the plugins extend ``L``; our app last.
SCRIPTS: tuple[tuple[str, str], ...] = (
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("supercluster", "vendor/supercluster/supercluster.min.js"),
    ("leaflet_heat", "vendor/leaflet.heat/leaflet-heat.js"),
    ("leaflet_draw", "vendor/leaflet-draw/leaflet.draw.js"),
    ("qwebchannel", QWEBCHANNEL_JS),
    ("console_map_style", "console_map_style.js"),
    ("console_map_canvas", "console_map_canvas.js"),
    ("console_map_controls", "console_map_controls.js"),
    ("console_map_clusters", "console_map_clusters.js"),
    ("console_map_tooltips", "console_map_tooltips.js"),
    ("console_map", "console_map.js"),
    ("console_map_draw", "console_map_draw.js"),
    ("console_map_alerts", "console_map_alerts.js"),
    ("console_map_bridge", "console_map_bridge.js"),
)
STYLES: tuple[tuple[str, str], ...] = (
    ("leaflet_css", "vendor/leaflet/leaflet.css"),
    ("leaflet_draw_css", "vendor/leaflet-draw/leaflet.draw.css"),
    ("console_map_css", "console_map.css"),
)

# Scripts and styles load only from our scheme. Inline scripts are folium's own (the map's creation and our
# start call) and are allowed by their SHA-256 only, so injected inline script and event-handler attributes
# (onerror=...) would not run even if some text ever reached the DOM as HTML. Nothing may connect anywhere:
# the bridge is Qt's in-process transport, not a network connection.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src pao: {hashes}; style-src pao: 'unsafe-inline'; "
    "img-src pao: data: blob:; font-src pao: data:; connect-src 'none'; frame-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT_RE = re.compile(r"<script>(.*?)</script>", re.DOTALL)

_URL_RE = re.compile(r"""https?://[^\s"'<>)]+""", re.IGNORECASE)
_APP_RE = re.compile(r"""pao://app/([^\s"'<>)]+)""")


class _StartConsoleMap(MacroElement):
    """Hands folium's map object to console_map.js. A child of the map, so its script runs after the map exists."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            ConsoleMap.start({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "StartConsoleMap"


def web_root() -> Path:
    """The folder holding console_map.js/css and vendor/ (``resources/web``)."""
    return Path(str(resource("web")))


def _app_url(path: str) -> str:
    return APP_URL + path


def build_map() -> folium.Map:
    """The folium map with local assets only, no tiles (the basemap arrives with the ``basemap`` message)."""
    fmap = folium.Map(
        location=CHIANG_MAI,
        zoom_start=START_ZOOM,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # folium's scale shows miles and feet too; console_map_bridge.js adds a metric one
    )
    # Instance attributes shadow the class-level CDN lists: only our local files are linked.
    fmap.default_js = [(name, _app_url(path)) for name, path in SCRIPTS]
    fmap.default_css = [(name, _app_url(path)) for name, path in STYLES]
    fmap.add_child(_StartConsoleMap())
    return fmap


def content_security_policy(html: str) -> str:
    """The page's policy, allowing exactly the inline scripts in ``html``."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"
        for body in _INLINE_SCRIPT_RE.findall(html)
    )
    return CONTENT_SECURITY_POLICY.format(hashes=hashes)


def render_page() -> str:
    """The page HTML as a string, with its Content-Security-Policy first in <head> (it governs what follows)."""
    html = build_map().get_root().render()
    meta = f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(html)}">'
    head, sep, rest = html.partition("<head>")
    if not sep:
        raise RuntimeError("folium page without <head>")
    return head + sep + "\n    " + meta + rest


def build_page(out_dir: Path) -> Path:
    """Write ``map.html`` into ``out_dir`` (created if needed) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / PAGE_NAME
    html = render_page()
    leaked = remote_urls(html)
    if leaked:
        # A folium upgrade that adds a CDN link must fail the build, not silently reach the network.
        raise RuntimeError(f"map page would load remote URLs: {leaked}")
    page.write_text(html, encoding="utf-8")
    return page


def remote_urls(html: str) -> list[str]:
    """Every http(s) URL in ``html``."""
    return _URL_RE.findall(html)


def referenced_app_paths(html: str) -> list[str]:
    """Every ``pao://app/<path>`` path named in ``html``."""
    return _APP_RE.findall(html)
