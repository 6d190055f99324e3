"""Where the console keeps its files: platformdirs defaults, overridable with ``--data-dir``.

One data directory holds what belongs to the workstation (settings, window layout, logs, the single-instance lock)
and one folder per mode, ``demo/`` and ``live/``, for what belongs to a backend: the store, its attachments and the
tile cache. Training and live data therefore never share a file, and the store itself records which backend it
belongs to (services.store.binding).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "pao-console"
APP_AUTHOR = "ChiangMaiPAO"
MODES = ("demo", "live")


@dataclass(frozen=True, slots=True)
class DataPaths:
    """Every file location derived from one data directory and the mode, so ``--data-dir`` moves them together."""

    root: Path
    mode: str = "demo"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; use one of {', '.join(MODES)}")

    @property
    def store_dir(self) -> Path:
        """The folder of this mode's backend: its store, attachments and tile cache."""
        return self.root / self.mode

    @property
    def database(self) -> Path:
        return self.store_dir / "console.sqlite3"

    @property
    def tiles(self) -> Path:
        return self.store_dir / "tiles.mbtiles"

    @property
    def attachments(self) -> Path:
        return self.store_dir / "attachments"

    @property
    def legacy_database(self) -> Path:
        """Where stores lived before they were kept per mode (moved into a mode folder on first start)."""
        return self.root / "console.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / "console.log"

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def alert_rules(self) -> Path:
        """The workstation's alert rules (the settings dialog writes it); absent = the rules shipped with the
        console."""
        return self.root / "alert_rules.json"

    @property
    def window_settings(self) -> Path:
        return self.root / "window.ini"

    @property
    def lock_file(self) -> Path:
        """Held by the one console running on this data directory."""
        return self.root / "console.lock"

    @property
    def map_page_dir(self) -> Path:
        return self.root / "map-page"

    def with_mode(self, mode: str) -> DataPaths:
        return DataPaths(self.root, mode)

    def ensure(self) -> DataPaths:
        """Create the directories; raises OSError with the path when that is impossible (read-only, full disk)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        return self


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resolve_paths(data_dir: str | Path | None, mode: str = "demo") -> DataPaths:
    root = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
    return DataPaths(root, mode)
