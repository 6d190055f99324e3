"""The store's files on disk: moving a store from where older consoles kept it, and setting one aside.

A SQLite store in WAL mode is up to three files (``console.sqlite3``, ``-wal``, ``-shm``); they always move together
and only while no connection is open, so what was committed stays committed.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from services.paths import DataPaths

log = logging.getLogger(__name__)

_COMPANIONS = ("", "-wal", "-shm", "-journal")


def store_files(database: Path) -> list[Path]:
    """The database file and whichever of its companions exist."""
    return [p for p in (database.with_name(database.name + suffix) for suffix in _COMPANIONS) if p.exists()]


def _move(database: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # The main file last: a crash half way leaves the companions beside a file that is not there yet, which SQLite
    # ignores, rather than a main file without its committed WAL.
    for suffix in ("-wal", "-shm", "-journal", ""):
        source = database.with_name(database.name + suffix)
        if source.exists():
            os.replace(source, target.with_name(target.name + suffix))


def move_legacy_store(paths: DataPaths) -> bool:
    """Before stores were kept per mode they lived in the data directory itself. Move such a store into this mode's
    folder when that folder has none yet; its binding (or the lack of one) is checked as for any store. Returns True
    when a store was moved."""
    legacy = paths.legacy_database
    if not legacy.exists() or paths.database.exists():
        return False
    _move(legacy, paths.database)
    log.info("store moved from %s to %s (stores are now kept per mode)", legacy, paths.database)
    return True


def set_aside(database: Path, now: datetime | None = None) -> Path:
    """Rename the store (with its companions) to ``console.set-aside-<UTC time>.sqlite3`` beside it, so a new one can
    start; nothing is deleted. Returns the new path of the main file."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = database.with_name(f"{database.stem}.set-aside-{stamp}{database.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = database.with_name(f"{database.stem}.set-aside-{stamp}-{n}{database.suffix}")
    _move(database, target)
    log.warning("store %s set aside as %s", database, target)
    return target
