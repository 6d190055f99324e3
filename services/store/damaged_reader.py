"""Reading a table of a damaged SQLite file in key order, stepping over what cannot be read (for
services.store.salvage).

A table is read by its key (the rowid, or the primary key of a WITHOUT ROWID table), a range of rows at a time,
straight from the table's b-tree (``NOT INDEXED``: an index may be damaged where the table is not). When a read fails
on a damaged page, the key from which reading works again is searched for: the key column is stepped forward 1, 2,
4, ... until a probe reads, then bisected back, so a damaged page costs a few dozen probes rather than one per
possible key. The key range stepped over is recorded as a :class:`LostRange`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

CHUNK_ROWS = 2000
_MIN_KEY = -(2**63)
_MAX_KEY = 2**63 - 1

#: A row's key as ``(column, value)`` pairs, for reports.
NamedKey = tuple[tuple[str, Any], ...]


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def key_text(key: NamedKey) -> str:
    return ", ".join(f"{name} {value!r}" for name, value in key)


@dataclass(frozen=True, slots=True)
class LostRange:
    """Rows between two keys that could not be read: after ``after`` (None: from the start) and before ``before``
    (None: to the end; it may name only the leading key columns)."""

    after: NamedKey | None
    before: NamedKey | None
    reason: str

    def describe(self) -> str:
        start = "from the start" if self.after is None else f"after {key_text(self.after)}"
        end = "to the end" if self.before is None else f"up to {key_text(self.before)}"
        return f"rows {start} {end} ({self.reason})"


def key_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """``rowid``, or the primary key columns (in key order) of a WITHOUT ROWID table."""
    try:
        conn.execute(f"SELECT rowid FROM {quote(table)} LIMIT 0")
        return ["rowid"]
    except sqlite3.OperationalError:
        pass
    info = [row for row in conn.execute(f"PRAGMA table_info({quote(table)})") if row[5] > 0]
    return [row[1] for row in sorted(info, key=lambda row: row[5])]


class TableReader:
    """The rows of ``columns`` of one table, in key order, in batches; :attr:`lost` names what was stepped over."""

    def __init__(self, conn: sqlite3.Connection, table: str, keys: list[str], columns: list[str],
                 chunk_rows: int = CHUNK_ROWS) -> None:
        self.conn = conn
        self.keys = keys
        self.chunk_rows = chunk_rows
        self.lost: list[LostRange] = []
        self.last: tuple[Any, ...] | None = None  # the last key read: everything up to it is done
        self._select = f"SELECT {', '.join(map(quote, [*keys, *columns]))} FROM {quote(table)} NOT INDEXED"
        self._order = f" ORDER BY {', '.join(map(quote, keys))}"

    def batches(self) -> Iterator[tuple[list[tuple[Any, ...]], list[NamedKey]]]:
        """(rows, their keys) a batch at a time, until the end of the table or of what can be found."""
        position: tuple[Any, ...] | None = None
        inclusive = False
        stalls = 0  # reads in a row that brought nothing new (damage that loops back): bounded
        while True:
            rows: list[tuple[Any, ...]] = []
            keys: list[NamedKey] = []
            fetched, failure = self._read(position, inclusive, self.chunk_rows, rows, keys)
            ended = failure is None and fetched < self.chunk_rows
            if failure is not None:
                # Python's sqlite3 steps one row ahead, so the rows just before the damaged one were not handed
                # over: read up to it one row at a time.
                for _ in range(self.chunk_rows):
                    start, start_inclusive = (position, inclusive) if self.last is None else (self.last, False)
                    got, error = self._read(start, start_inclusive, 1, rows, keys)
                    if error is not None:
                        break
                    if got == 0:
                        ended = True
                        break
            if rows:
                yield rows, keys
            if ended:
                return
            if failure is None and rows:
                position, inclusive = self.last, False
                continue
            stalls = 0 if rows else stalls + 1
            resume = None if stalls > 3 else self._next_readable(self.last)
            self.lost.append(LostRange(self._named(self.last), self._named(resume),
                                       str(failure) if failure is not None else "rows out of order"))
            if resume is None:
                return
            position, inclusive = resume, True

    def _named(self, key: tuple[Any, ...] | None) -> NamedKey | None:
        return None if key is None else tuple(zip(self.keys, key))

    def _query(self, position: tuple[Any, ...] | None, inclusive: bool, limit: int) -> sqlite3.Cursor:
        if position is None:
            return self.conn.execute(f"{self._select}{self._order} LIMIT ?", (limit,))
        keys = ", ".join(map(quote, self.keys[:len(position)]))
        marks = ", ".join("?" * len(position))
        op = ">=" if inclusive else ">"
        return self.conn.execute(f"{self._select} WHERE ({keys}) {op} ({marks}){self._order} LIMIT ?",
                                 (*position, limit))

    def _read(self, position: tuple[Any, ...] | None, inclusive: bool, limit: int, rows: list[tuple[Any, ...]],
              keys: list[NamedKey]) -> tuple[int, sqlite3.Error | None]:
        """Read up to ``limit`` rows from ``position`` into ``rows`` and ``keys``; returns how many rows the query
        gave and the error that stopped it (None when it ran to its end)."""
        n = len(self.keys)
        fetched = 0
        try:
            for row in self._query(position, inclusive, limit):
                fetched += 1
                key = row[:n]
                if self.last is not None and _behind(key, self.last):
                    continue  # out of order: damage pointed back at rows already read
                self.last = key
                rows.append(row[n:])
                keys.append(tuple(zip(self.keys, key)))
        except sqlite3.Error as exc:
            return fetched, exc
        return fetched, None

    def _readable(self, probe: tuple[Any, ...]) -> bool:
        """Whether reading can start at ``probe``: the first whole row at or after it can be read (so the next
        batch makes progress), or there is none."""
        try:
            self._query(probe, True, 1).fetchall()
        except sqlite3.Error:
            return False
        return True

    def _next_readable(self, last: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        """The smallest (partial) key after ``last`` from which reading works again, or None when none is found.

        From the last key column to the first: keep the columns before it and step it forward (:meth:`_gallop`).
        When that lands on a later value of a leading column (the next station, say), the damage may have ended
        part-way through the rows of the value before it, so that one is searched again one column deeper."""
        for level in reversed(range(len(self.keys))):
            if last is None and level > 0:
                continue
            base = _MIN_KEY - 1 if last is None else last[level]
            if not isinstance(base, int) or isinstance(base, bool):
                continue  # only integer keys can be stepped over; try a shorter prefix
            prefix = () if last is None else tuple(last[:level])
            hit = self._gallop(prefix, base)
            if hit is None:
                continue
            failed, found = hit
            resume = (*prefix, found)
            inner = (*prefix, failed)
            while failed > base and len(inner) < len(self.keys):
                hit = self._gallop(inner, _MIN_KEY - 1)
                if hit is None:
                    break
                failed, found = hit
                resume, inner, base = (*inner, found), (*inner, failed), _MIN_KEY - 1
            return resume
        return None

    def _gallop(self, prefix: tuple[Any, ...], base: int) -> tuple[int, int] | None:
        """Step the key column after ``prefix`` forward from ``base`` by 1, 2, 4, ... until a probe reads, then
        bisect back: returns (the last value that does not read, the first that does), or None."""
        failed, step = base, 1
        while base + step <= _MAX_KEY:
            if self._readable((*prefix, base + step)):
                found = base + step
                break
            failed = base + step
            step *= 2
        else:
            return None
        while found - failed > 1:
            middle = (failed + found) // 2
            if self._readable((*prefix, middle)):
                found = middle
            else:
                failed = middle
        return failed, found


def _behind(key: tuple[Any, ...], last: tuple[Any, ...]) -> bool:
    try:
        return key <= last  # the usual case, all integers: a plain comparison
    except TypeError:
        return _order(key) <= _order(last)


def _order(key: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """SQLite's order of values of different types: NULL, numbers, text, blobs."""
    def rank(value: Any) -> tuple[int, Any]:
        if value is None:
            return (0, 0)
        if isinstance(value, int | float):
            return (1, value)
        if isinstance(value, str):
            return (2, value)
        return (3, bytes(value))
    return tuple(rank(v) for v in key)
