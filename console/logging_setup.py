"""Log to a rotating file in the data directory (operators send it with a fault report) and warnings to stderr."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def setup_logging(log_file: Path, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pao_console", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter(_FORMAT))
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    console_handler = logging.StreamHandler()
    console_handler.setFormatter(logging.Formatter("pao-console: %(levelname)s %(name)s: %(message)s"))
    console_handler.setLevel(logging.WARNING)
    for handler in (file_handler, console_handler):
        handler._pao_console = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Third-party chatter stays out of the operator's log unless it is a warning.
    for noisy in ("urllib3", "werkzeug", "alembic", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
