"""The incoming side of the alerts extension: a polled feed (``open311_alerts``) that reads the backend's alerts,
with their acknowledgements, and its silences, and hands them to the store (services.store.alert_outbox
.apply_server_records: a local alert of the same episode takes the server's uid and another console's
acknowledgement; silences made elsewhere are added).

``GET {open311}/alerts.json?updated_after=<cursor>`` then, as a follow-up in the same poll,
``GET {open311}/alert_silences.json?updated_after=<cursor>``; the cursor is the newest ``updated_at`` seen (the
server's own stamps, so its clock is the only one involved). A backend without the extension answers 404: the
feed's status says so once and it is not asked again until the console starts again (``absent_on_404``); alerts
then stay on each console.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.errors import FeedError, MalformedPayload
from services.feeds.payload import load_json
from services.records import ParseResult, Rejection
from services.settings import Settings
from services.sync.feed_spec import Expansion, FeedContext, FeedRequest, FeedSpec, FollowUpGet
from services.sync.staff_token import OPEN311_READ_TOKEN

FEED_NAME = "open311_alerts"
ABSENT = ("this backend has no alerts extension (alerts.json answered 404): alerts and their acknowledgements stay "
          "on this console; not asked again until the console starts again")


@dataclass(frozen=True, slots=True)
class ServerAlertRecord:
    """One alert (``kind`` "alert") or silence ("silence") as the backend has it; ``updated_at`` is the cursor."""

    kind: str
    uid: str
    updated_at: str
    body: dict[str, Any]


def _base(ctx: FeedContext) -> str:
    return (ctx.settings.endpoints.open311 or "").rstrip("/")


def _headers(ctx: FeedContext) -> dict[str, str]:
    token = ctx.secrets.get(OPEN311_READ_TOKEN)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _params(cursor: str | None) -> dict[str, str]:
    return {"updated_after": cursor} if cursor else {}


def build_request(ctx: FeedContext) -> FeedRequest:
    return FeedRequest(_base(ctx) + "/alerts.json", _params(ctx.cursor), _headers(ctx))


def _parse(body: bytes, kind: str) -> ParseResult[ServerAlertRecord]:
    data = load_json(body, f"alerts extension {kind}s")
    if not isinstance(data, list):
        raise MalformedPayload(f"alerts extension {kind}s: not a list")
    records: list[ServerAlertRecord] = []
    rejected: list[Rejection] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("uid"), str) or not item.get("updated_at"):
            rejected.append(Rejection(f"{kind} {i}", "no uid or updated_at"))
            continue
        records.append(ServerAlertRecord(kind, item["uid"], str(item["updated_at"]), item))
    return ParseResult(records, rejected)


def parse_alerts(body: bytes) -> ParseResult[ServerAlertRecord]:
    return _parse(body, "alert")


def expand(ctx: FeedContext, records: Sequence[ServerAlertRecord], get: FollowUpGet) -> Expansion:
    """The silences changed since the same cursor (a failure keeps the cursor: they are asked for again)."""
    expansion = Expansion(list(records))
    try:
        parsed = _parse(get(FeedRequest(_base(ctx) + "/alert_silences.json", _params(ctx.cursor), _headers(ctx))),
                        "silence")
    except FeedError as exc:
        expansion.failed.append(f"alert_silences.json: {exc}")
        return expansion
    expansion.records.extend(parsed.records)
    expansion.rejected.extend(parsed.rejected)
    return expansion


def next_cursor(records: Sequence[ServerAlertRecord], cursor: str | None) -> str | None:
    stamps = [r.updated_at for r in records]
    if not stamps:
        return cursor
    newest = max(stamps)
    return max(newest, cursor) if cursor else newest


def alerts_spec(settings: Settings) -> FeedSpec:
    return FeedSpec(
        name=FEED_NAME,
        source="Open311",
        title_en="Alerts shared with other consoles",
        title_th="การแจ้งเตือนที่ใช้ร่วมกับคอนโซลอื่น",
        cadence_s=settings.cadences.open311_updates,
        build_request=build_request,
        parse=parse_alerts,
        ingest="ingest_alert_feed",
        next_cursor=next_cursor,
        expand=expand,
        absent_on_404=ABSENT,
    )
