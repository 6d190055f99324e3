"""A log file that cannot be written (disk full, file-size limit) costs one line on stderr, never a traceback per
record, and logging to it resumes by itself once writing works again."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "cannot be written" in line]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_is_said_once_without_tracebacks() -> None:
    done = run("""
        import logging
        from pathlib import Path
        from services.logging_setup import setup_logging

        setup_logging(Path("/dev/full"))
        log = logging.getLogger("test")
        for i in range(500):
            log.info("record %d with some text to fill a buffer", i)
        log.warning("a warning still reaches stderr")
        print("finished")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "finished"
    assert notices(done.stderr) == [
        "pao-console: the log file /dev/full cannot be written (No space left on device); logging to it is paused"]
    assert "Traceback" not in done.stderr and "--- Logging error ---" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.strip()] == [
        notices(done.stderr)[0], "pao-console: WARNING test: a warning still reaches stderr"]


def test_logging_resumes_when_the_file_can_be_written_again(tmp_path: Path) -> None:
    log_file = tmp_path / "console.log"
    done = run(f"""
        import logging, resource, signal
        from pathlib import Path
        from services.logging_setup import setup_logging

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit, a write fails with EFBIG instead
        setup_logging(Path({str(log_file)!r}))
        handler = next(h for h in logging.getLogger().handlers if h.__class__.__name__ == "PausingFileHandler")
        handler.retry_s = 0.0  # try again at every record (30 s in the console)
        log = logging.getLogger("test")
        log.info("before the limit")
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, hard))  # the file is over 200 bytes after one more line
        for i in range(50):
            log.info("while the file cannot grow %d", i)
        assert handler.paused and handler.dropped >= 49
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        log.info("after the limit")
        assert not handler.paused
        print("finished")
    """)
    assert done.returncode == 0, done.stderr
    assert notices(done.stderr) == [
        f"pao-console: the log file {log_file} cannot be written (File too large); logging to it is paused"]
    assert "Traceback" not in done.stderr and "--- Logging error ---" not in done.stderr
    text = log_file.read_text(encoding="utf-8")
    assert "before the limit" in text and "after the limit" in text
    assert "the log file is written again;" in text and "earlier records could not be written" in text
    assert text.index("the log file is written again") > text.index("after the limit")
    assert "while the file cannot grow 49" not in text  # dropped, not written late
