"""Log to a rotating file in the data directory (operators send it with a fault report) and warnings to stderr.

When the log file cannot be written (the disk is full, a file-size limit or quota), Python's handler would print a
traceback to stderr for every record. Ours says so once, in one line, drops records while it cannot write, tries again
every :data:`RETRY_S` seconds, and when writing works again notes in the file how many records are missing.

Qt-free: the console window sets it up before Qt is imported (console.qt_messages then routes Qt's own warnings into
it), and any command-line process can use it as well.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
RETRY_S = 30.0


class PausingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler that pauses quietly while its file cannot be written, and resumes by itself."""

    def __init__(self, filename: Path, *, max_bytes: int, backup_count: int, retry_s: float = RETRY_S) -> None:
        super().__init__(filename, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
        self.retry_s = retry_s
        self.paused = False
        self.dropped = 0  # records not written during the current pause
        self._last_try = 0.0
        self._failed = False

    def emit(self, record: logging.LogRecord) -> None:
        now = time.monotonic()
        if self.paused and now - self._last_try < self.retry_s:
            self.dropped += 1
            return
        was_paused, self._last_try, self._failed = self.paused, now, False
        super().emit(record)
        if was_paused and not self._failed:
            dropped, self.paused, self.dropped = self.dropped, False, 0
            note = logging.LogRecord(__name__, logging.WARNING, __file__, 0,
                                     "the log file is written again; %d earlier records could not be written",
                                     (dropped,), None)
            super().emit(note)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)  # a bug (a bad format string, say) still shows its traceback
            return
        self._failed = True
        self._drop_stream()  # reopened on the next try: a stream whose buffer holds unwritten bytes keeps failing
        if self.paused:
            self.dropped += 1
            return
        self.paused, self.dropped = True, 1
        try:
            print(f"pao-console: the log file {self.baseFilename} cannot be written "
                  f"({error.strerror or type(error).__name__}); logging to it is paused", file=sys.stderr, flush=True)
        except Exception:  # stderr may be gone too: nothing else can be told
            pass

    def _drop_stream(self) -> None:
        stream, self.stream = self.stream, None  # type: ignore[assignment]
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass  # the flush inside close fails the same way; the descriptor is closed all the same


def setup_logging(log_file: Path, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pao_console", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = PausingFileHandler(log_file, max_bytes=5_000_000, backup_count=5)
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
