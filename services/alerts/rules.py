"""Alert rules: what each rule watches, validated as it is read (Qt-free, no SQL: the settings dialog uses it too).

The console ships a default rule set (``resources/seed/alert_rules.json``); an operator's edited copy
(``<data dir>/alert_rules.json``) replaces it. Both are ``{"version": 1, "rules": [...]}``; every rule has an
``id`` (a stable slug: alerts, silences and checkpoints refer to it), Thai and English names, a ``kind``, a
``severity``, a ``scope`` (what it is evaluated per), a ``quiet_minutes`` (a new trigger this soon after the alert
cleared reopens it instead of raising another) and ``enabled``; the rest depends on the kind:

- ``pm25``: the 24-hour mean of the hourly PM2.5 values ``above`` a level for ``for_hours`` consecutive hours; it
  clears after ``clear_hours`` consecutive hours below ``clear_below`` (hysteresis). Per station (``province``
  filters them; null = every station) or for the province (its worst station).
- ``river``: a gauge at or above its own ``level`` ("bank_full" or "flood", from the station's thresholds) for
  ``for_hours``, clearing ``clear_margin_m`` below it; or rising faster than ``rise_m_per_h`` over ``rate_hours``,
  clearing at ``clear_rise_m_per_h`` or slower. Both clear after ``clear_hours`` consecutive hours.
- ``fire``: each new hotspot of at least ``min_confidence`` within ``radius_km`` of the landmarks ``near`` (keys of
  ``resources/seed/landmarks.json``, or "all") or inside the named drawn ``areas`` (the saved map areas); clears
  after ``clear_hours`` without one. Or ``district_count`` hotspots or more within ``window_hours`` in one district
  (or the province); clears after ``clear_hours`` (at least ``window_hours``) without a hotspot there.
- ``data``: a feed whose last success is older than ``stale_factor`` × its cadence while its polls fail; or a
  station (``scope`` "station": air, "gauge": river) whose newest reading is ``silent_hours`` older than its feed's.

Confidence, one mapping for both instruments (FIRMS' own classes): VIIRS "l"/"n"/"h" (or the words) are low /
nominal / high; MODIS percentages below 30 are low, 30-79 nominal, 80 and above high; a detection without any is
nominal.

A file that breaks a rule raises :class:`AlertRulesError`, whose message names the file, the rule and the field.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from resources import resource
from services.alerts.model import KINDS
from services.errors import ServiceError

RULES_FILE_VERSION = 1
MAX_RULES = 200
MAX_NAME_CHARS = 120
CONFIDENCE_CLASSES: tuple[str, ...] = ("low", "nominal", "high")  # FIRMS' classes, lowest first
Severity = Literal["info", "warning", "critical"]
Point = tuple[float, float]  # (lon, lat), as services.map_areas keeps a ring


class AlertRulesError(ServiceError):
    """A rules file that cannot be used. ``problems`` lists (rule id or position, field, what is wrong)."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str, str]]) -> None:
        lines = [f"alert rule {rule}: {where}: {what}" if where else f"alert rule {rule}: {what}"
                 for rule, where, what in problems]
        super().__init__(f"{source}: " + "; ".join(lines))
        self.source = source
        self.problems = tuple(problems)


def _text(value: Any) -> str:
    """A name: text, white space collapsed, 1..MAX_NAME_CHARS characters, no control characters."""
    if not isinstance(value, str):
        raise ValueError("must be text")
    text = " ".join(value.split())
    if not text:
        raise ValueError("must not be empty")
    if len(text) > MAX_NAME_CHARS:
        raise ValueError(f"must be at most {MAX_NAME_CHARS} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in text):
        raise ValueError("must not hold control or unassigned characters")
    return text


Name = Annotated[str, BeforeValidator(_text)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name_th: Name
    name_en: Name
    severity: Severity
    quiet_minutes: int = Field(60, ge=0, le=7 * 24 * 60)
    enabled: bool = True

    def fingerprint(self) -> str:
        """What the rule computes, as text: a change of it invalidates the rule's saved evaluation state."""
        return self.model_dump_json(exclude={"name_th", "name_en", "severity", "enabled"})


class Pm25Rule(_Rule):
    kind: Literal["pm25"]
    scope: Literal["station", "province"] = "station"
    above: float = Field(gt=0, le=1000)  # µg/m³, compared like the Thai AQI table: rounded half-up to 0.1, then >
    for_hours: int = Field(3, ge=1, le=72)
    clear_below: float = Field(gt=0, le=1000)
    clear_hours: int = Field(3, ge=1, le=72)
    province: Name | None = "Chiang Mai"  # the province at the end of Air4Thai's areaEN; None: every station

    @model_validator(mode="after")
    def _hysteresis(self) -> Pm25Rule:
        if self.clear_below > self.above:
            raise ValueError(f"clear_below ({self.clear_below}) must not be above 'above' ({self.above})")
        return self


class RiverRule(_Rule):
    kind: Literal["river"]
    scope: Literal["gauge"] = "gauge"
    level: Literal["bank_full", "flood"] | None = None
    rise_m_per_h: float | None = Field(None, gt=0, le=5)
    rate_hours: int = Field(3, ge=1, le=24)
    for_hours: int = Field(1, ge=1, le=72)
    clear_margin_m: float = Field(0.1, ge=0, le=5)
    clear_rise_m_per_h: float = Field(0.0, ge=-5, le=5)
    clear_hours: int = Field(3, ge=1, le=72)
    gauges: tuple[Name, ...] | None = None  # gauge codes ("P.1"); None: every gauge

    @model_validator(mode="after")
    def _one_condition(self) -> RiverRule:
        if (self.level is None) == (self.rise_m_per_h is None):
            raise ValueError("give either 'level' or 'rise_m_per_h', not both or neither")
        if self.level is not None and self.model_fields_set & {"rate_hours", "clear_rise_m_per_h"}:
            raise ValueError("rate_hours and clear_rise_m_per_h belong to 'rise_m_per_h' rules")
        if self.rise_m_per_h is not None:
            if "clear_margin_m" in self.model_fields_set:
                raise ValueError("clear_margin_m belongs to 'level' rules")
            if self.clear_rise_m_per_h >= self.rise_m_per_h:
                raise ValueError(f"clear_rise_m_per_h ({self.clear_rise_m_per_h}) must be below rise_m_per_h "
                                 f"({self.rise_m_per_h})")
        return self


class FireRule(_Rule):
    kind: Literal["fire"]
    scope: Literal["area", "district", "province"] = "area"
    near: tuple[Slug, ...] | Literal["all"] | None = None  # landmark keys
    areas: tuple[Name, ...] = ()  # named drawn areas (services.map_areas, saved in the settings)
    radius_km: float = Field(5.0, gt=0, le=100)
    district_count: int | None = Field(None, ge=1, le=100_000)
    window_hours: int = Field(24, ge=1, le=168)
    min_confidence: Literal["low", "nominal", "high"] = "nominal"
    clear_hours: int = Field(24, ge=1, le=336)

    @model_validator(mode="after")
    def _one_condition(self) -> FireRule:
        nearby = self.near is not None or bool(self.areas)
        if nearby == (self.district_count is not None):
            raise ValueError("give either 'near' / 'areas' or 'district_count', not both or neither")
        if nearby:
            if self.scope != "area":
                raise ValueError(f"a 'near' / 'areas' rule is evaluated per area, not per {self.scope}")
            if "window_hours" in self.model_fields_set:
                raise ValueError("window_hours belongs to 'district_count' rules")
            unknown = sorted(set(self.near if isinstance(self.near, tuple) else ()) - set(landmarks()))
            if unknown:
                raise ValueError(f"unknown landmark {', '.join(unknown)} (known: {', '.join(sorted(landmarks()))})")
        else:
            if self.scope == "area":
                raise ValueError("a 'district_count' rule is evaluated per district or for the province")
            if "radius_km" in self.model_fields_set:
                raise ValueError("radius_km belongs to 'near' rules")
            if self.clear_hours < self.window_hours:
                raise ValueError(f"clear_hours ({self.clear_hours}) must be at least window_hours "
                                 f"({self.window_hours}), or the count would still be over when it clears")
        return self


class DataRule(_Rule):
    kind: Literal["data"]
    scope: Literal["feed", "station", "gauge"] = "feed"
    stale_factor: float | None = Field(None, gt=1, le=1000)
    feeds: tuple[Name, ...] | Literal["all"] = "all"
    silent_hours: float | None = Field(None, gt=0, le=720)

    @model_validator(mode="after")
    def _one_condition(self) -> DataRule:
        if (self.stale_factor is None) == (self.silent_hours is None):
            raise ValueError("give either 'stale_factor' or 'silent_hours', not both or neither")
        if self.stale_factor is not None and self.scope != "feed":
            raise ValueError(f"a 'stale_factor' rule is evaluated per feed, not per {self.scope}")
        if self.silent_hours is not None:
            if self.scope == "feed":
                raise ValueError("a 'silent_hours' rule is evaluated per station or per gauge")
            if "feeds" in self.model_fields_set:
                raise ValueError("feeds belongs to 'stale_factor' rules")
        return self


Rule = Pm25Rule | RiverRule | FireRule | DataRule
_BY_KIND: dict[str, type[_Rule]] = {"pm25": Pm25Rule, "fire": FireRule, "river": RiverRule, "data": DataRule}
_ADAPTERS: dict[str, TypeAdapter[Any]] = {kind: TypeAdapter(model) for kind, model in _BY_KIND.items()}
assert tuple(_BY_KIND) == KINDS


@dataclass(frozen=True)
class FeedInfo:
    """What the data rules need of a feed: how often it is polled and what operators call it."""

    cadence_s: int
    title_th: str
    title_en: str


@dataclass(frozen=True)
class RuleContext:
    """What the rules refer to outside the rules file: the feeds (by name) and the saved map areas (by name)."""

    feeds: Mapping[str, FeedInfo] = field(default_factory=dict)
    areas: Mapping[str, tuple[Point, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set; ``context`` (services.alerts.context.rules_context) is filled in by the console from
    its settings, and defaults to the default settings' feeds and no saved areas when None."""

    rules: tuple[Rule, ...]
    context: RuleContext | None = None

    def enabled(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def with_context(self, context: RuleContext) -> RuleSet:
        return replace(self, context=context)


@dataclass(frozen=True, slots=True)
class Landmark:
    key: str
    name_th: str
    name_en: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def landmarks() -> dict[str, Landmark]:
    """The landmarks fire rules may name, by key."""
    raw = json.loads(resource("seed", "landmarks.json").read_text(encoding="utf-8"))
    return {d["key"]: Landmark(d["key"], d["name_th"], d["name_en"], float(d["lat"]), float(d["lon"])) for d in raw}


def default_rules_text() -> str:
    """The shipped default rule set, as the file holds it."""
    return resource("seed", "alert_rules.json").read_text(encoding="utf-8")


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules in ``path`` (an operator's edited copy), or the shipped defaults when None.

    Raises :class:`AlertRulesError` naming the file, rule and field when the file cannot be read or breaks a rule.
    """
    if path is None:
        return parse_rules(default_rules_text(), "the default alert rules")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AlertRulesError(str(path), [("file", "", f"cannot be read ({exc})")]) from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "alert rules") -> RuleSet:
    """Validate a rules document (the JSON text of a rules file)."""
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise AlertRulesError(source, [("file", "", f"is not valid JSON ({exc})")]) from None
    if not isinstance(doc, dict) or set(doc) - {"version", "rules"} or not isinstance(doc.get("rules"), list):
        raise AlertRulesError(source, [("file", "", 'must be {"version": 1, "rules": [...]} and nothing else')])
    if doc.get("version", RULES_FILE_VERSION) != RULES_FILE_VERSION:
        raise AlertRulesError(source, [("file", "version", f"must be {RULES_FILE_VERSION}")])
    raw_rules = doc["rules"]
    if len(raw_rules) > MAX_RULES:
        raise AlertRulesError(source, [("file", "rules", f"at most {MAX_RULES} rules")])
    problems: list[tuple[str, str, str]] = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_rules, start=1):
        label = _label(raw, position)
        rule = _validate(raw, label, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append((label, "id", "is used by another rule"))
        seen.add(rule.id)
        rules.append(rule)
    if problems:
        raise AlertRulesError(source, problems)
    return RuleSet(tuple(rules))


def dump_rules(rules: Sequence[Rule]) -> str:
    """The rules file text for ``rules`` (what the settings dialog writes); :func:`parse_rules` reads it back."""
    # Defaults left out, so a level rule never carries a rate rule's fields (which it refuses); the fields every
    # rule is read by are kept.
    doc = {"version": RULES_FILE_VERSION,
           "rules": [{**r.model_dump(mode="json", exclude_defaults=True),
                      **r.model_dump(mode="json", include={"scope", "quiet_minutes", "enabled"})} for r in rules]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _label(raw: Any, position: int) -> str:
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    return f"{rule_id!r} (#{position})" if isinstance(rule_id, str) and rule_id else f"#{position}"


def _validate(raw: Any, label: str, problems: list[tuple[str, str, str]]) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append((label, "", "must be an object"))
        return None
    kind = raw.get("kind")
    if kind not in _ADAPTERS:
        problems.append((label, "kind", f"must be one of {', '.join(KINDS)}, not {kind!r}"))
        return None
    try:
        return _ADAPTERS[kind].validate_python(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"is not a field of a {kind} rule"
            elif error["type"] == "missing":
                message = "is required"
            elif error["type"] == "string_pattern_mismatch":
                message = "must be a slug: lower-case letters, digits, '_' and '-', at most 63 characters"
            problems.append((label, where, message))
        return None
