"""Typed user settings, declared once with defaults and a schema version; stored as JSON (never pickled).

Secrets (FIRMS MAP_KEY, the Open311 token) are not settings: they live in the OS keyring (services.credentials).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.atomic_file import write_text_atomically
from services.errors import ServiceError
from services.map_areas import MapAreas
from services.simulator.scenarios import DEFAULT_SCENARIO, SCENARIOS

log = logging.getLogger(__name__)

SETTINGS_SCHEMA_VERSION = 1


class FeedEndpoints(BaseModel):
    """Base URLs of the real services; demo mode replaces them with the embedded simulator's."""

    model_config = ConfigDict(extra="forbid")

    air4thai: str = "http://air4thai.pcd.go.th"
    firms: str = "https://firms.modaps.eosdis.nasa.gov"
    thaiwater: str = "https://api-v3.thaiwater.net"
    # The deployment's own Open311 endpoint (with our workflow extension); empty = incidents feed off.
    open311: str = ""

    @field_validator("*")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value


class FeedCadences(BaseModel):
    """Seconds between polls of each feed (the real services' update rhythm, not faster)."""

    model_config = ConfigDict(extra="forbid")

    air4thai: int = Field(600, ge=60)
    firms: int = Field(1800, ge=300)
    thaiwater: int = Field(600, ge=60)
    open311_requests: int = Field(60, ge=10)
    # Changes made elsewhere (service request updates: comments, state changes) for the incident timelines.
    open311_updates: int = Field(60, ge=10)
    open311_services: int = Field(21600, ge=600)
    # Hourly history (back-fills the hours an outage missed); Air4Thai publishes an hour about 20 min after it ends.
    air4thai_history: int = Field(3600, ge=600)
    # Water-level history (one request per gauge): back-fills what the 10-minute latest polls missed.
    thaiwater_history: int = Field(3600, ge=600)


class HistoryGauge(BaseModel):
    """A gauge whose water-level history is polled: ThaiWater's station id (what ``waterlevel_graph`` takes) and the
    code the latest water levels name it by (``tele_station_oldcode``, e.g. "P.1"), which files its readings."""

    model_config = ConfigDict(extra="forbid")

    station_id: str = Field(pattern=r"^\d+$")
    code: str = Field(min_length=1)


# The Ping through Chiang Mai, upstream to downstream: Chiang Dao, Ban Mae Tae, 3rd Ring Road Bridge, Nawarat Bridge,
# Ban Sop Soi, Hot.
PING_GAUGES: tuple[tuple[str, str], ...] = (("1064", "CHM004"), ("1071", "P.67"), ("1077", "P.103"), ("1079", "P.1"),
                                            ("1093", "P.73"), ("1098", "CHM002"))


class Settings(BaseModel):
    """All user options. Unknown keys are refused so a typo is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SETTINGS_SCHEMA_VERSION
    # "demo" runs the embedded simulator (training, no configuration); "live" polls the endpoints below.
    mode: str = Field("demo", pattern="^(demo|live)$")
    # The embedded simulator's scenario (services.simulator.scenarios): "default", or "haze-flood" for the training
    # team's bad-night drill. ``--scenario`` overrides it for one start.
    demo_scenario: str = DEFAULT_SCENARIO
    language: str = Field("th", pattern="^(th|en)$")
    endpoints: FeedEndpoints = FeedEndpoints()
    cadences: FeedCadences = FeedCadences()
    firms_sources: list[str] = ["VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "MODIS_NRT"]
    # Air4Thai stations whose hourly history is polled (Chiang Mai province); empty = history feed off.
    air4thai_history_stations: list[str] = [
        "35t", "36t", "cm01t", "cm02t", "cm03t", "cm04t", "cm05t", "cm06t", "cm07t", "cm08t", "cm09t",
    ]
    # Gauges whose water-level history is polled for the charts; empty = history feed off.
    thaiwater_history_gauges: list[HistoryGauge] = Field(
        default_factory=lambda: [HistoryGauge(station_id=i, code=c) for i, c in PING_GAUGES])
    firms_bbox: tuple[float, float, float, float] = (98.0, 17.2, 99.6, 20.2)
    # Basemap tiles for live mode (demo mode uses the simulator's generated tiles). Public OpenStreetMap tiles may
    # be used only lightly: the console fetches on demand, caches, and identifies itself; "save area for offline"
    # is capped. A deployment with heavier use should point this at its own or a commercial tile server.
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap contributors"
    # SLA targets in hours: {"defaults": {"P1": 4, ...}, "targets": {"forest_fire": {"P1": 2}}} (both optional).
    sla: dict[str, Any] = Field(default_factory=dict)
    ca_bundle: str | None = None  # extra CA bundle for a deployment's own TLS; verification itself is always on
    connect_timeout_s: float = Field(5.0, gt=0, le=60)
    read_timeout_s: float = Field(20.0, gt=0, le=300)
    call_deadline_s: float = Field(60.0, gt=0, le=600)
    # The area that filters incidents on the map and in the queue, and the named ones kept for reuse
    # (services.map_areas); the console writes it whenever the operator changes them.
    map_areas: MapAreas = Field(default_factory=MapAreas)

    @field_validator("demo_scenario")
    @classmethod
    def _known_scenario(cls, value: str) -> str:
        if value not in SCENARIOS:
            raise ValueError(f"unknown scenario {value!r}; use one of {', '.join(SCENARIOS)}")
        return value

    @model_validator(mode="after")
    def _sla_is_a_policy(self) -> Settings:
        from services.sla import SlaPolicy  # the policy's own checks: unknown keys, bad hours

        SlaPolicy.from_json(self.sla)
        return self

    def sla_policy(self) -> Any:
        """The SLA policy these settings describe (services.sla.SlaPolicy)."""
        from services.sla import SlaPolicy

        return SlaPolicy.from_json(self.sla)


class SettingsError(ServiceError):
    """The settings file exists but cannot be used; the message names the file and the problem."""


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives the defaults, a broken one raises SettingsError (never silently reset)."""
    if not path.exists():
        return Settings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Settings.model_validate(raw)
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise SettingsError(f"settings file {path} is not usable: {exc}") from exc


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a settings file."""
    write_text_atomically(path, settings.model_dump_json(indent=2))


def save_setting(path: Path, key: str, value: Any) -> Settings:
    """Change one top-level setting (``value`` as JSON data) and write the file atomically, keeping the rest as the
    operator wrote it: defaults stay unwritten, so a later version's better default still applies. The whole file is
    validated first; a file that is not usable, or cannot be written, raises SettingsError and is left as it was."""
    if key not in Settings.model_fields:
        raise KeyError(key)
    try:
        raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if not isinstance(raw, dict):
            raise ValueError("the file does not hold a JSON object")
        raw[key] = value
        settings = Settings.model_validate(raw)
        write_text_atomically(path, json.dumps(raw, ensure_ascii=False, indent=2))
    except (ValueError, ValidationError) as exc:  # JSONDecodeError and ValidationError are ValueErrors too
        raise SettingsError(f"settings file {path} is not usable: {exc}") from exc
    except OSError as exc:
        raise SettingsError(f"settings file {path} could not be written: {exc.strerror or exc}") from exc
    return settings
