"""Typed settings (defaults, validation, atomic save) and secrets in the keyring only."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from services.credentials import FIRMS_MAP_KEY, CredentialStore
from services.settings import Settings, SettingsError, load_settings, save_settings
from services.settings_peek import peek_language


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "settings.json")
    assert settings == Settings()
    assert settings.mode == "demo" and settings.language == "th"
    assert settings.cadences.air4thai >= 60


def test_round_trip_and_atomic_save(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(language="en", mode="live")
    save_settings(path, settings)
    assert load_settings(path) == settings
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind
    assert peek_language(path) == "en"


@pytest.mark.parametrize(
    "content",
    ['{"language": "fr"}', '{"langauge": "th"}', "{not json", '{"endpoints": {"air4thai": "ftp://x"}}',
     '{"cadences": {"air4thai": 1}}'],
)
def test_bad_settings_are_refused_not_reset(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match="settings.json"):
        load_settings(path)
    assert path.read_text(encoding="utf-8") == content  # never silently overwritten


def test_peek_language_tolerates_anything(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert peek_language(path) is None
    path.write_text("[1, 2]", encoding="utf-8")
    assert peek_language(path) is None
    path.write_text(json.dumps({"language": "xx"}), encoding="utf-8")
    assert peek_language(path) is None


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


def test_secrets_live_in_the_keyring_not_in_files(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        creds = CredentialStore()
        assert creds.get(FIRMS_MAP_KEY) is None
        creds.set(FIRMS_MAP_KEY, "s3cret-map-key")
        assert creds.get(FIRMS_MAP_KEY) == "s3cret-map-key"
        assert backend.items == {("pao-console", FIRMS_MAP_KEY): "s3cret-map-key"}
        save_settings(tmp_path / "settings.json", Settings())
        assert "s3cret" not in (tmp_path / "settings.json").read_text(encoding="utf-8")
        creds.delete(FIRMS_MAP_KEY)
        assert creds.get(FIRMS_MAP_KEY) is None
    finally:
        keyring.set_keyring(previous)


def test_secret_command_stores_in_the_keyring(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from console.__main__ import main

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("abc123\n"))
        assert main(["secret", "set", "firms-map-key"]) == 0
        assert backend.items[("pao-console", "firms-map-key")] == "abc123"
        assert main(["secret", "status", "firms-map-key"]) == 0
        out = capsys.readouterr().out
        assert "stored" in out and "abc123" not in out
        assert main(["secret", "delete", "firms-map-key"]) == 0
        assert ("pao-console", "firms-map-key") not in backend.items
    finally:
        keyring.set_keyring(previous)


def test_sla_targets_are_configurable_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"sla": {"defaults": {"P1": 2}, "targets": {"forest_fire": {"P1": 1}}}}),
                    encoding="utf-8")
    policy = load_settings(path).sla_policy()
    assert policy.target_hours("forest_fire", "P1") == 1
    assert policy.target_hours("flooding", "P1") == 2
    assert policy.target_hours("flooding", "P3") == 72
    path.write_text(json.dumps({"sla": {"deadlines": {}}}), encoding="utf-8")
    with pytest.raises(SettingsError):
        load_settings(path)
