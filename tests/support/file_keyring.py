"""A keyring backend for tests that span processes: a JSON file named by ``PAO_TEST_KEYRING``.

Processes select it with ``PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring`` (and the repository on
``PYTHONPATH``). It exists only so a standalone simulator and the consoles it serves can share their tokens in a test
the way they share the OS keyring on a workstation; the product never stores secrets in files.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV = "PAO_TEST_KEYRING"
BACKEND = "tests.support.file_keyring.FileKeyring"


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring reads it on the class
        # Importing this module registers the class with keyring: without the file named, it must never be chosen
        # (a later keyring.get_keyring() in the test process would otherwise pick it and fail with KeyError).
        if ENV not in os.environ:
            raise RuntimeError(f"{ENV} is not set")
        return 1

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[ENV])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, str]) -> None:
        # Atomic replace: two processes reading while one writes never see half a file.
        path = self._path()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(tmp, path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x1f{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x1f{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\x1f{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(data)


def process_env(keyring_file: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a child process (simulator or console) that uses the file at ``keyring_file`` as keyring."""
    env = dict(os.environ if base is None else base)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHON_KEYRING_BACKEND"] = BACKEND
    env[ENV] = str(keyring_file)
    return env
