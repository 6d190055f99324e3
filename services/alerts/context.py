"""What the alert rules refer to outside their file, taken from the console's settings: the feeds it polls (their
cadences and titles, from the same feed catalogue the sync service runs) and the operator's saved map areas."""

from __future__ import annotations

from functools import lru_cache

from services.alerts.rules import FeedInfo, RuleContext
from services.settings import Settings
from services.sync.feed_catalog import build_catalog


def rules_context(settings: Settings) -> RuleContext:
    """The feeds ``settings`` enable and the named areas they keep."""
    feeds = {spec.name: FeedInfo(spec.cadence_s, spec.title_th, spec.title_en) for spec in build_catalog(settings)}
    areas = {area.name: area.polygon for area in settings.map_areas.saved}
    return RuleContext(feeds=feeds, areas=areas)


@lru_cache(maxsize=1)
def default_context() -> RuleContext:
    """The context of the default settings (every default feed, no saved areas)."""
    return rules_context(Settings())
