"""Data rules: a feed that stopped updating, or a station gone silent while its feed goes on.

- Silent (per station or gauge, replayed hour by hour on the data's own times): at each hour, how much older the
  station's newest reading is than the newest reading of any station of its feed (PM2.5 hourly values for air
  stations, levels for gauges). ``silent_hours`` or more raises; a reading again clears. When the whole feed stops,
  no station lags the others: that is the stale rule's case.
- Stale (per feed, at the evaluation's wall-clock ``now``: only the feed's state tells): the feed's polls are failing
  (``consecutive_failures`` > 0) and its last success is more than ``stale_factor`` × its cadence ago. A console that
  was switched off has failed no poll, so starting it does not raise a stale alert for every feed. The alert counts
  from the moment the feed became stale (last success + factor × cadence) and clears at the next success. A feed
  that never succeeded (one not set up yet, such as FIRMS without its key) is left to the feed status table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from services.alerts.machine import Episode, Event
from services.alerts.rules import DataRule, RuleContext
from services.alerts.series import Describe, Scope, ScopeRows, hour_matrix, no_scopes
from services.alerts.window_data import WindowData
from services.store.alert_windows import FeedHealthRow
from services.store.alerts import StoredAlert


def silent_rows(rule: DataRule, data: WindowData) -> ScopeRows:
    """Every station's (or gauge's) hours for a silent-station rule."""
    assert rule.silent_hours is not None
    window = data.window
    if rule.scope == "station":
        stations, before = data.air_stations, data.last_air_before()
        rows, readings = data.air_hourly
        present = ~np.isnan(readings[:, 1])
    else:
        stations, before = data.gauges, data.last_river_before()
        rows, readings = data.river
        present = ~(np.isnan(readings[:, 1]) & np.isnan(readings[:, 2]))
    if not stations:
        return no_scopes(window.hours)
    # Each station's newest reading time at each hour of the window: the newest in each hour, carried forward from
    # the newest before the window (readings ahead of the window, read for other rules, count as before it).
    times = readings[present, 0]
    ahead = times <= window.start
    earlier = np.full(len(stations), np.nan)
    np.fmax.at(earlier, rows[present][ahead], times[ahead])
    groups = data.river_groups if rule.scope != "station" else None
    if groups is not None:
        newest_in_hour = groups.matrix(groups.max(np.where(present, readings[:, 0], np.nan)), window.start + 3600,
                                       (len(stations), window.hours))
    else:
        newest_in_hour = hour_matrix(rows[present], times, times, window.start + 3600,
                                     (len(stations), window.hours), "max")
    start = np.fmax(before, earlier)[:, None]
    newest = np.fmax.accumulate(np.concatenate((start, newest_in_hour), axis=1), axis=1)[:, 1:]
    feed_newest = np.fmax.reduce(newest, axis=0)  # NaN only where no station has one
    lag = np.round((feed_newest[None, :] - newest) / 3600, 1)
    return ScopeRows([Scope(rule.scope, s.code, s.name_th, s.name_en, s.lat, s.lon) for s in stations], lag,
                     lag >= rule.silent_hours, lag < rule.silent_hours, None,
                     lambda k: _silent_words(lag[k], stations[k].name_th, stations[k].name_en))


def _silent_words(lag: np.ndarray, name_th: str, name_en: str) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        hours = float(lag[i])
        return (hours, f"{name_th} ไม่ส่งข้อมูลมา {hours:.0f} ชม. ขณะที่สถานีอื่นยังส่ง",
                f"{name_en} silent for {hours:.0f} h while the other stations report")
    return describe


def stale_feeds(rule: DataRule, feeds: Sequence[FeedHealthRow], context: RuleContext, latest: dict[str, StoredAlert],
                now: int) -> Iterator[tuple[Scope, list[Episode], Describe]]:
    """Each watched feed's episodes: what changed since the feed's alert (``latest``, by feed) was last written."""
    assert rule.stale_factor is not None
    wanted = None if rule.feeds == "all" else set(rule.feeds)
    for feed in feeds:
        info = context.feeds.get(feed.feed)
        if info is None or (wanted is not None and feed.feed not in wanted):
            continue
        allowed = round(rule.stale_factor * info.cadence_s)
        since = feed.last_success_at + allowed if feed.last_success_at is not None else None
        stale = since is not None and feed.consecutive_failures > 0 and now >= since
        scope = Scope("feed", feed.feed, info.title_th, info.title_en)
        hours = allowed / 3600
        words = (hours, f"{info.title_th} ไม่อัปเดตมาเกิน {hours:.1f} ชม. ({rule.stale_factor:g} เท่าของรอบปกติ)",
                 f"{info.title_en} not updated for over {hours:.1f} h ({rule.stale_factor:g}× its cadence)")
        episodes = _stale_episodes(latest.get(feed.feed), stale, since, feed.last_success_at, rule.quiet_minutes * 60)
        if episodes:
            yield scope, episodes, lambda i, run, words=words: words


def _stale_episodes(alert: StoredAlert | None, stale: bool, since: int | None, success: int | None,
                    quiet_s: int) -> list[Episode]:
    open_alert = alert if alert is not None and alert.state != "cleared" else None
    episodes: list[Episode] = []
    if open_alert is not None:
        ongoing = stale and since is not None and since <= open_alert.last_at
        episode = Episode(open_alert.id, occurrences=open_alert.occurrences, active=ongoing)
        episodes.append(episode)
        if ongoing:
            return episodes  # the same staleness as when it was raised
        # The feed recovered (a success after the alert's staleness began) and may have failed again since.
        cleared_at = max(success or open_alert.last_at, open_alert.last_at)
        episode.events.append(Event("cleared", cleared_at, 0, 0, 0))
        alert = _cleared(open_alert, cleared_at)
    if not stale or since is None:
        return episodes
    if alert is not None and alert.cleared_at is not None and 0 <= since - alert.cleared_at <= quiet_s:
        if not episodes:
            episodes.append(Episode(alert.id, occurrences=alert.occurrences))
        episode = episodes[-1]
        episode.occurrences += 1
        episode.active = True
        episode.events.append(Event("reopened", since, 0, 1, 1))
        return episodes
    episodes.append(Episode(None, [Event("raised", since, 0, 1, 1)], 1, True, since))
    return episodes


def _cleared(alert: StoredAlert, at: int) -> StoredAlert:
    return replace(alert, state="cleared", cleared_at=at)
