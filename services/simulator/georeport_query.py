"""The query arguments of GeoReport v2's GET methods, read the way the spec defines them.

From the spec (wiki.open311.org/GeoReport_v2):
- *Optional Arguments*: "the response should be the same whether a parameter is passed and is empty or is not passed
  at all": an empty argument is an absent one, here for every argument.
- ``jurisdiction_id``: "Implementations can ignore this parameter [...] if the implementation only serves one
  jurisdiction". The simulator serves one, :data:`JURISDICTION_ID`: it, or nothing, is accepted; any other value is
  404 "jurisdiction_id provided was not found".
- GET Service Requests: ``service_request_id`` "comma delimited" — "This overrides all other arguments";
  ``service_code`` and ``status`` (``open``, ``closed``) "can be declared multiple times, comma delimited";
  ``start_date`` / ``end_date`` select on ``requested_datetime``, "may not span more than 90 days", and "When not
  specified, the range defaults to most recent 90 days". Here one date alone is the 90 days from (or up to) it, both
  bound the range inclusively (400 when they are reversed or more than 90 days apart). Dates are W3C datetimes; one
  without an offset is read as Thai local time, as Traffy Fondue writes it.
- "Default query limit is a span of 90 days or first 1000 requests returned, whichever is smallest":
  :data:`DEFAULT_LIMIT`, also the largest ``page_size`` of the pagination extension.

Problems come back as :class:`IncidentError`: 400 naming every bad argument (one error each), 404 naming every
``service_code`` or ``service_request_id`` the server does not know.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.simulator.incident_fields import IncidentError
from services.simulator.timefmt import THAI

JURISDICTION_ID = "chiangmaipao.go.th"
MAX_SPAN = timedelta(days=90)
DEFAULT_LIMIT = 1000
STATUSES = ("open", "closed")
_YEAR_OR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")  # W3C's coarser forms: YYYY and YYYY-MM
_SPACE_FOR_PLUS = re.compile(r"(T[\d:.,]+) (\d{2}(?::?\d{2})?)$")  # a '+' left unescaped in a query is a space


def errors(status: int, descriptions: list[str]) -> IncidentError:
    """One error carrying several Open311 errors (the body is an array), all with ``status``."""
    return IncidentError(status, descriptions[0], body=[{"code": status, "description": d} for d in descriptions])


def check_jurisdiction(value: str | None) -> None:
    """Accept our jurisdiction_id, or none (404 for any other)."""
    given = (value or "").strip()
    if given and given.lower() != JURISDICTION_ID:
        raise IncidentError(404, f"jurisdiction_id {given!r} was not found; this endpoint serves {JURISDICTION_ID}")


def listed(args: Any, name: str) -> list[str] | None:
    """A comma-delimited argument that may also be declared several times; None when absent or empty."""
    values: list[str] = []
    for raw in args.getlist(name):
        for value in raw.split(","):
            value = value.strip()
            if value and value not in values:
                values.append(value)
    return values or None


def parse_w3c(raw: str) -> datetime:
    """A W3C datetime (any of the profile's forms) as aware UTC; ValueError when it is not one."""
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", raw.strip())
    if m := _YEAR_OR_MONTH.match(text):
        value = datetime(int(m.group(1)), int(m.group(2) or 1), 1)
    else:
        value = datetime.fromisoformat(text)
    try:
        return (value if value.tzinfo else value.replace(tzinfo=THAI)).astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


def w3c_arg(args: Any, name: str, problems: list[str] | None = None) -> datetime | None:
    """Argument ``name`` as a W3C datetime, None when absent or empty. A bad one is added to ``problems`` (or
    raised as a 400 when there is no list)."""
    raw = args.get(name)
    if not raw or not raw.strip():
        return None
    try:
        return parse_w3c(raw)
    except ValueError:
        problem = f"{name} must be a W3C datetime such as 2010-01-01T00:00:00Z"
    if problems is None:
        raise IncidentError(400, problem)
    problems.append(problem)
    return None


def int_arg(args: Any, name: str, default: int | None, low: int, high: int | None = None,
            problems: list[str] | None = None) -> int | None:
    """Argument ``name`` as an integer in [low, high], ``default`` when absent or empty (bad: see :func:`w3c_arg`)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problem = f"{name} must be an integer"
    else:
        if low <= value and (high is None or value <= high):
            return value
        problem = f"{name} must be between {low} and {high}" if high is not None else f"{name} must be at least {low}"
    if problems is None:
        raise IncidentError(400, problem)
    problems.append(problem)
    return default


@dataclass(frozen=True)
class RequestsQuery:
    """What GET Service Requests asks for. ``ids`` set: exactly those requests, in that order, nothing else
    applies. Otherwise the filters, with ``start``/``end`` already defaulted as the spec says."""

    ids: tuple[str, ...] | None = None
    service_codes: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    page: int = 1
    page_size: int = DEFAULT_LIMIT


def read_requests_query(args: Any, now: datetime, known_codes: Collection[str]) -> RequestsQuery:
    """The arguments of GET Service Requests (400 / 404 as the module docstring says)."""
    ids = listed(args, "service_request_id")
    if ids is not None:
        return RequestsQuery(ids=tuple(ids))  # "This overrides all other arguments."
    check_jurisdiction(args.get("jurisdiction_id"))
    problems: list[str] = []
    codes = listed(args, "service_code")
    statuses = listed(args, "status")
    if statuses is not None:
        statuses = [s.lower() for s in statuses]
        if set(statuses) - set(STATUSES):
            problems.append("status must be open, closed or both (comma-delimited)")
    start, end = w3c_arg(args, "start_date", problems), w3c_arg(args, "end_date", problems)
    updated_after = w3c_arg(args, "updated_after", problems)  # extension: changed since (a sync cursor)
    page = int_arg(args, "page", 1, 1, None, problems)
    page_size = int_arg(args, "page_size", DEFAULT_LIMIT, 1, DEFAULT_LIMIT, problems)
    try:
        if start is not None and end is not None:
            if end < start:
                problems.append("end_date is before start_date")
            elif end - start > MAX_SPAN:
                problems.append("start_date and end_date may not span more than 90 days")
        elif start is not None:
            end = start + MAX_SPAN
        elif end is not None:
            start = end - MAX_SPAN
        elif updated_after is None:
            # The most recent 90 days. A sync cursor (updated_after, our extension) alone is not bounded: a request
            # raised long ago and changed now is exactly what it asks for.
            start = now - MAX_SPAN
    except OverflowError:
        problems.append("start_date / end_date out of range")
    if problems:
        raise errors(400, problems)
    unknown = [c for c in codes or () if c not in known_codes]
    if unknown:
        raise errors(404, [f"service_code {c!r} was not found" for c in unknown])
    assert page is not None and page_size is not None
    return RequestsQuery(None, tuple(codes) if codes else None, tuple(statuses) if statuses else None, start, end,
                         updated_after, page, page_size)
