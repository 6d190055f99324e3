"""Copy the npm-installed web assets the map page uses into resources/web/vendor (no CDN at run time).

Run by scripts/setup.sh after `npm ci`; the list says exactly which files ship so the package stays small.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "resources" / "web" / "vendor"

# package -> files or folders (relative to the package) to ship
ASSETS: dict[str, list[str]] = {
    "leaflet": ["dist/leaflet.js", "dist/leaflet.css", "dist/images", "LICENSE"],
    "supercluster": ["dist/supercluster.min.js", "LICENSE"],
    # Heatmap mode for incidents and hotspots (canvas; no DOM per point).
    "leaflet.heat": ["dist/leaflet-heat.js", "LICENSE"],
    # Polygon drawing ("filter incidents inside"); its CSS needs the sprite images next to it. MIT, no LICENSE file
    # in the package: the licence is stated in its package.json, which ships for that reason.
    "leaflet-draw": ["dist/leaflet.draw.js", "dist/leaflet.draw.css", "dist/images", "package.json"],
}


def main() -> int:
    missing = []
    for package, paths in ASSETS.items():
        for rel in paths:
            src = NODE_MODULES / package / rel
            dst = VENDOR / package / Path(rel).name
            if not src.exists():
                missing.append(str(src))
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dst)
    if missing:
        print("copy_web_assets: missing after npm ci: " + ", ".join(missing), file=sys.stderr)
        return 1
    print(f"copy_web_assets: {sum(len(p) for p in ASSETS.values())} assets in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
