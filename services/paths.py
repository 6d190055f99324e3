"""Where the console keeps its files: platformdirs defaults, overridable with ``--data-dir``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "pao-console"
APP_AUTHOR = "ChiangMaiPAO"


@dataclass(frozen=True, slots=True)
class DataPaths:
    """Every file location derived from one data directory, so ``--data-dir`` moves them all together."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "console.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / "console.log"

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def attachments(self) -> Path:
        return self.root / "attachments"

    def ensure(self) -> DataPaths:
        """Create the directories; raises OSError with the path when that is impossible (read-only, full disk)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        return self


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resolve_paths(data_dir: str | Path | None) -> DataPaths:
    return DataPaths(Path(data_dir).expanduser().resolve() if data_dir else default_data_dir())
