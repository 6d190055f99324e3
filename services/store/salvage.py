"""Salvage of a damaged store: what can still be read goes into a fresh store, which takes the damaged one's place.

SQLite's own ``.recover`` exists only in the sqlite3 command-line shell, so this reads the damaged file itself,
through a connection that writes none of its files (:func:`services.store.database.read_only_connection`), table by
table in key order, stepping over damaged pages (services.store.damaged_reader).

The unsent edits come first: the outbox, then the incidents with their events, attachments and links, then the alert
outbox with the alerts, their silences and history, then the rest; feed data can be fetched again. Rows go into a
fresh store made by the normal :func:`open_store` (every migration, index and trigger, including the full-text index
that the incident inserts fill), for the columns both schemas have, so a store of an older or newer build can be
salvaged too. What could not be read is named: key ranges stepped over,
rows the fresh schema refuses (a damaged value), rows whose parent row was lost, and, from each outbox's own index
when that survived, the ids of the unsent edits lost (incident and alert outbox ids are counted apart: they overlap).

The damaged file and its ``-wal``/``-shm`` are renamed beside it (services.store.layout.set_aside), never changed or
deleted; the fresh store is built beside it under another name and takes its place only when complete.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.store.binding import ALERT_UNSENT_STATES, UNSENT_STATES
from services.store.damaged_reader import LostRange, NamedKey, TableReader, key_columns, key_text, quote
from services.store.database import open_store, read_only_connection, translate_errors
from services.store.layout import set_aside

log = logging.getLogger(__name__)

#: Copied first, in this order: what exists nowhere else (unsent edits, local incidents), then the rest by name.
PRIORITY = ("backend_binding", "outbox", "incidents", "incident_events", "attachments", "incident_links",
            "alert_outbox", "alerts", "alert_silences", "alert_actions", "services")
#: Never copied: the fresh store writes its own revision, and the maintained counts are taken again when asked.
NOT_COPIED = ("alembic_version", "row_counts")
#: Each outbox's unsent ids are read from its (state, id) index: table -> index.
UNSENT_INDEXES = {"outbox": ("ix_outbox_state_id", UNSENT_STATES),
                  "alert_outbox": ("ix_alert_outbox_state_id", ALERT_UNSENT_STATES)}

COMMIT_ROWS = 50_000  # commit the fresh store this often, so its WAL stays small during a big copy
NAMED_PER_TABLE = 20  # rows named one by one in the report (refused or orphaned); the count is always complete


@dataclass(frozen=True, slots=True)
class TableReport:
    """What became of one table."""

    table: str
    copied: int = 0
    lost: tuple[LostRange, ...] = ()
    refused: int = 0  # rows read but refused by the fresh schema (a damaged value)
    orphaned: int = 0  # rows dropped because the row they belong to could not be read
    unlinked: int = 0  # rows kept with a reference cleared (e.g. merged into an incident that was lost)
    notes: tuple[str, ...] = ()  # the refused / orphaned rows by key (the first few)
    unreadable: str | None = None  # the table could not be read at all
    columns_not_copied: tuple[str, ...] = ()  # columns this build's schema does not have

    @property
    def complete(self) -> bool:
        return not (self.lost or self.refused or self.orphaned or self.unreadable or self.columns_not_copied)

    def problems(self) -> list[str]:
        lines = []
        if self.unreadable:
            lines.append(f"{self.table}: could not be read at all ({self.unreadable})")
        lines.extend(f"{self.table}: {lost.describe()}" for lost in self.lost)
        if self.refused:
            lines.append(f"{self.table}: {self.refused} rows read but unusable (damaged values)")
        if self.orphaned:
            lines.append(f"{self.table}: {self.orphaned} rows dropped because the row they belong to was lost")
        if self.unlinked:
            lines.append(f"{self.table}: {self.unlinked} rows kept with a link to a lost row cleared")
        lines.extend(f"{self.table}: {note}" for note in self.notes)
        if self.columns_not_copied:
            lines.append(f"{self.table}: columns this build does not have, not copied: "
                         + ", ".join(self.columns_not_copied))
        return lines


@dataclass(frozen=True, slots=True)
class SalvageReport:
    """The outcome of :func:`salvage_store`."""

    store: Path  # the fresh store, where the damaged one was
    kept_as: Path  # the damaged store, renamed
    tables: tuple[TableReport, ...]
    schema_error: str | None = None  # the damaged store's table list could not be read: nothing could be
    tables_not_copied: tuple[str, ...] = ()  # tables of the damaged store this build does not have
    unsent: dict[str, int] = field(default_factory=dict)  # outbox entries per unsent state in the fresh store
    unsent_lost: tuple[int, ...] | None = None  # ids of unsent edits known (from the outbox index) but lost
    incidents: int = 0
    local_incidents: int = 0  # never sent to the backend (no server id)
    alert_unsent: int = 0  # pending alert outbox entries in the fresh store
    alert_unsent_lost: tuple[int, ...] | None = None  # alert outbox ids known (from its index) but lost

    @property
    def complete(self) -> bool:
        """True when everything was read and copied."""
        return (self.schema_error is None and not self.unsent_lost and not self.alert_unsent_lost
                and not self.tables_not_copied and all(t.complete for t in self.tables))

    def problems(self) -> list[str]:
        """What could not be read or kept, one line each (empty when complete)."""
        lines = [] if self.schema_error is None else [f"the list of tables could not be read ({self.schema_error})"]
        if self.unsent_lost:
            lines.append("unsent edits lost (outbox ids): " + _id_ranges(self.unsent_lost))
        if self.alert_unsent_lost:
            lines.append("unsent alert edits lost (alert outbox ids): " + _id_ranges(self.alert_unsent_lost))
        for table in self.tables:
            lines.extend(table.problems())
        if self.tables_not_copied:
            lines.append("tables this build does not have, not copied: " + ", ".join(self.tables_not_copied))
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "store": str(self.store),
            "kept_as": str(self.kept_as),
            "complete": self.complete,
            "unsent": self.unsent,
            "unsent_lost": None if self.unsent_lost is None else list(self.unsent_lost),
            "alert_unsent": self.alert_unsent,
            "alert_unsent_lost": None if self.alert_unsent_lost is None else list(self.alert_unsent_lost),
            "incidents": self.incidents,
            "local_incidents": self.local_incidents,
            "copied": {t.table: t.copied for t in self.tables},
            "lost": self.problems(),
        }


def _id_ranges(ids: Sequence[int]) -> str:
    """Sorted ids as ranges: "1-60, 64, 121-123"."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def salvage_store(database: Path, now: datetime | None = None,
                  on_table: Callable[[str], None] | None = None) -> SalvageReport:
    """Copy what can be read from the (damaged) store at ``database`` into a fresh store that takes its place; the
    damaged files are kept, renamed with the time (the report says where). ``on_table`` hears the name of each
    table as its copy starts (a big store takes a while).

    Nothing else may have the store open (the console holds its data directory while it runs). Raises
    :class:`FileNotFoundError` when there is no store, :class:`StoreError` when the fresh store cannot be written
    (the damaged one is then left where it was) or when another program writes to the damaged one meanwhile.
    """
    database = Path(database)
    if not database.exists():
        raise FileNotFoundError(database)
    now = now or datetime.now(UTC)
    fresh = _unused_name(database, f"salvage-{now.strftime('%Y%m%dT%H%M%SZ')}")
    try:
        open_store(fresh).close()  # the current schema, with every migration and trigger
        with read_only_connection(database) as source, translate_errors(fresh):
            source.text_factory = _lenient_text
            target = sqlite3.connect(fresh, isolation_level=None)
            try:
                report = _Copier(source, target, on_table).run()
                target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                target.close()
        open_store(fresh).close()  # it opens as the console will open it: checked, at the head revision
    except BaseException:
        _remove(fresh)
        raise
    kept_as = set_aside(database, now)
    for suffix in ("-wal", "-shm", ""):  # companions first; normally there are none after a clean close
        source_file = fresh.with_name(fresh.name + suffix)
        if source_file.exists():
            os.replace(source_file, database.with_name(database.name + suffix))
    log.warning("store %s salvaged; the damaged one is kept as %s", database, kept_as)
    counts = _fresh_counts(database)
    return SalvageReport(database, kept_as, tables=tuple(report.tables), schema_error=report.schema_error,
                         tables_not_copied=tuple(report.not_copied), unsent=counts.unsent,
                         unsent_lost=report.unsent_lost("outbox", counts.ids["outbox"]), incidents=counts.incidents,
                         local_incidents=counts.local_incidents, alert_unsent=counts.alert_unsent,
                         alert_unsent_lost=report.unsent_lost("alert_outbox", counts.ids["alert_outbox"]))


def _lenient_text(raw: bytes) -> str:
    # Damage can leave bytes that are not UTF-8 in a text column; keep the row, with the bad bytes marked.
    return raw.decode("utf-8", errors="replace")


def _unused_name(database: Path, label: str) -> Path:
    candidate = database.with_name(f"{database.stem}.{label}{database.suffix}")
    n = 1
    while any(candidate.with_name(candidate.name + s).exists() for s in ("", "-wal", "-shm")):
        n += 1
        candidate = database.with_name(f"{database.stem}.{label}-{n}{database.suffix}")
    return candidate


def _remove(fresh: Path) -> None:
    """Remove a half-built fresh store (ours alone: the damaged store is never touched)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            fresh.with_name(fresh.name + suffix).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot remove the unfinished salvage %s: %s", fresh, exc)


@dataclass(frozen=True, slots=True)
class _FreshCounts:
    unsent: dict[str, int]
    incidents: int
    local_incidents: int
    alert_unsent: int
    ids: dict[str, set[int]]  # every id of each outbox (table -> ids)


def _fresh_counts(database: Path) -> _FreshCounts:
    with open_store(database) as store, store.edit_engine.connect() as conn:
        unsent = dict(conn.exec_driver_sql(
            "SELECT state, count(*) FROM outbox WHERE state IN (?, ?) GROUP BY state", UNSENT_STATES).all())
        alert_unsent = conn.exec_driver_sql(
            f"SELECT count(*) FROM alert_outbox WHERE state IN ({', '.join('?' * len(ALERT_UNSENT_STATES))})",
            ALERT_UNSENT_STATES).scalar_one()
        ids = {table: {row[0] for row in conn.exec_driver_sql(f"SELECT id FROM {table}")} for table in UNSENT_INDEXES}
        incidents, local = conn.exec_driver_sql(
            "SELECT count(*), count(*) FILTER (WHERE server_id IS NULL) FROM incidents").one()
    return _FreshCounts({state: int(unsent.get(state, 0)) for state in UNSENT_STATES}, int(incidents), int(local),
                        int(alert_unsent), ids)


class _Copier:
    """One salvage: the damaged store's connection (read-only) and the fresh store's (foreign keys off while rows
    arrive in any order; checked afterwards)."""

    def __init__(self, source: sqlite3.Connection, target: sqlite3.Connection,
                 on_table: Callable[[str], None] | None) -> None:
        self.source = source
        self.target = target
        self.on_table = on_table
        self.tables: list[TableReport] = []
        self.schema_error: str | None = None
        self.not_copied: list[str] = []
        self._indexed_unsent: dict[str, set[int] | None] = {}  # outbox table -> unsent ids its index names
        self._pending_commit = 0

    def run(self) -> _Copier:
        self.target.execute("PRAGMA foreign_keys=OFF")
        self.target.execute("PRAGMA synchronous=NORMAL")  # the fresh store takes the old one's place only once closed
        try:
            source_tables = {row[0] for row in self.source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as exc:
            self.schema_error = str(exc)
            return self
        wanted = _copyable_tables(self.target)
        self.not_copied = sorted(source_tables - set(wanted) - set(NOT_COPIED) - set(_skipped_tables(self.target))
                                 - {name for name in source_tables if name.startswith("sqlite_")})
        self._indexed_unsent = {table: self._read_unsent_index(table, source_tables) for table in UNSENT_INDEXES}
        reports: dict[str, TableReport] = {}
        for table in wanted:
            if table in source_tables:
                if self.on_table is not None:
                    self.on_table(table)
                reports[table] = self._copy_table(table)
        self.target.execute("BEGIN")
        for table, (orphaned, unlinked, notes) in self._drop_orphans(wanted).items():
            if table in reports:
                old = reports[table]
                reports[table] = replace(old, copied=old.copied - orphaned, orphaned=orphaned, unlinked=unlinked,
                                         notes=old.notes + tuple(notes))
        self._carry_sequences(wanted)
        self.target.execute("COMMIT")
        self.tables = [reports[t] for t in wanted if t in reports]
        return self

    def unsent_lost(self, table: str, copied_ids: set[int]) -> tuple[int, ...] | None:
        """Unsent ids of outbox ``table`` the damaged store's index knows of but the fresh store lacks (None: index
        unreadable, or no such table)."""
        indexed = self._indexed_unsent.get(table)
        if indexed is None:
            return None
        return tuple(sorted(indexed - copied_ids))

    # --- one table -------------------------------------------------------------------------------------------

    def _copy_table(self, table: str) -> TableReport:
        try:
            source_columns = [row[1] for row in self.source.execute(f"PRAGMA table_info({quote(table)})")]
            keys = key_columns(self.source, table)
        except sqlite3.Error as exc:
            return TableReport(table, unreadable=str(exc))
        target_columns = [row[1] for row in self.target.execute(f"PRAGMA table_info({quote(table)})")]
        columns = [c for c in target_columns if c in source_columns]
        reader = TableReader(self.source, table, keys, columns)
        copied, refusals = 0, []
        for rows, row_keys in reader.batches():
            inserted, refused = self._insert(table, columns, rows, row_keys)
            copied += inserted
            refusals += refused
        self._flush()
        return TableReport(table, copied, tuple(reader.lost), len(refusals), notes=tuple(refusals[:NAMED_PER_TABLE]),
                           columns_not_copied=tuple(c for c in source_columns if c not in target_columns))

    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]],
               keys: list[NamedKey]) -> tuple[int, list[str]]:
        """Insert rows; returns how many went in and why the others did not (each refused row named)."""
        if not rows:
            return 0, []
        if self._pending_commit == 0:
            self.target.execute("BEGIN")
        sql = (f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        self.target.execute("SAVEPOINT chunk")
        try:
            self.target.executemany(sql, rows)
            self.target.execute("RELEASE chunk")
            inserted, refusals = len(rows), []
        except sqlite3.IntegrityError:
            self.target.execute("ROLLBACK TO chunk")
            self.target.execute("RELEASE chunk")
            inserted, refusals = 0, []
            for row, key in zip(rows, keys, strict=True):
                try:
                    self.target.execute(sql, row)
                    inserted += 1
                except sqlite3.IntegrityError as exc:
                    refusals.append(f"row {key_text(key)} unusable ({exc})")
        self._pending_commit += len(rows)
        if self._pending_commit >= COMMIT_ROWS:
            self._flush()
        return inserted, refusals

    def _flush(self) -> None:
        if self._pending_commit:
            self.target.execute("COMMIT")
            self._pending_commit = 0

    # --- after the copy --------------------------------------------------------------------------------------

    def _drop_orphans(self, tables: Iterable[str]) -> dict[str, tuple[int, int, list[str]]]:
        """Rows whose parent row was lost: a nullable reference is cleared, anything else is dropped (an event or
        an outbox entry without its incident cannot be used). Repeated until nothing changes (drops cascade)."""
        result: dict[str, tuple[int, int, list[str]]] = {}
        for _ in range(10):
            changed = False
            for table in tables:
                for child, parent, parent_columns, nullable in _foreign_keys(self.target, table):
                    link = " AND ".join(f"p.{quote(pc)} = c.{quote(cc)}" for cc, pc in zip(child, parent_columns,
                                                                                     strict=True))
                    present = " AND ".join(f"c.{quote(cc)} IS NOT NULL" for cc in child)
                    orphan = f"{present} AND NOT EXISTS (SELECT 1 FROM {quote(parent)} AS p WHERE {link})"
                    orphaned, unlinked, notes = result.get(table, (0, 0, []))
                    if nullable:
                        count = self.target.execute(
                            f"UPDATE {quote(table)} AS c SET {', '.join(f'{quote(cc)} = NULL' for cc in child)} "
                            f"WHERE {orphan}").rowcount
                        unlinked += count
                    else:
                        keys = key_columns(self.target, table)
                        for row in self.target.execute(
                                f"SELECT {', '.join(map(quote, keys))} FROM {quote(table)} AS c WHERE {orphan} "
                                f"ORDER BY {', '.join(map(quote, keys))} LIMIT {NAMED_PER_TABLE}"):
                            if len(notes) < NAMED_PER_TABLE:
                                notes.append(f"row {key_text(tuple(zip(keys, row)))} dropped: its {parent} row "
                                             "was lost")
                        count = self.target.execute(f"DELETE FROM {quote(table)} AS c WHERE {orphan}").rowcount
                        orphaned += count
                    if count:
                        changed = True
                        result[table] = (orphaned, unlinked, notes)
            if not changed:
                break
        return result

    def _carry_sequences(self, tables: Sequence[str]) -> None:
        """AUTOINCREMENT ids (the outbox's send order) must never be used twice, also for ids of lost rows."""
        known: dict[str, int] = {}
        try:
            known = {name: int(seq) for name, seq in self.source.execute("SELECT name, seq FROM sqlite_sequence")
                     if isinstance(seq, int)}
        except sqlite3.Error:
            pass
        for table, indexed in self._indexed_unsent.items():
            if indexed:
                known[table] = max(known.get(table, 0), max(indexed))
        for name, seq in known.items():
            if name not in tables:
                continue
            updated = self.target.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                                          (seq, name)).rowcount
            if not updated:
                self.target.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))

    def _read_unsent_index(self, table: str, source_tables: set[str]) -> set[int] | None:
        """The unsent ids of outbox ``table`` as its (state, id) index has them: it may survive damage to the table
        itself, and then names exactly which unsent edits were lost."""
        if table not in source_tables:
            return None
        index, states = UNSENT_INDEXES[table]
        try:
            return {row[0] for row in self.source.execute(
                f"SELECT id FROM {quote(table)} INDEXED BY {quote(index)} "
                f"WHERE state IN ({', '.join('?' * len(states))})", states)}
        except sqlite3.Error:
            return None


def _skipped_tables(conn: sqlite3.Connection) -> list[str]:
    """Virtual tables and their shadow tables: the fresh store's triggers fill them."""
    virtual = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")]
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [n for n in names if n in virtual or any(n.startswith(v + "_") for v in virtual)]


def _copyable_tables(conn: sqlite3.Connection) -> list[str]:
    """The fresh store's tables to fill, in :data:`PRIORITY` order, then by name."""
    skipped = set(_skipped_tables(conn)) | set(NOT_COPIED)
    names = sorted(row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                   if not row[0].startswith("sqlite_") and row[0] not in skipped)
    first = [t for t in PRIORITY if t in names]
    return first + [t for t in names if t not in first]


def _foreign_keys(conn: sqlite3.Connection, table: str) -> list[tuple[list[str], str, list[str], bool]]:
    """(child columns, parent table, parent columns, all child columns nullable) per foreign key of ``table``."""
    by_id: dict[int, list[tuple[Any, ...]]] = {}
    for row in conn.execute(f"PRAGMA foreign_key_list({quote(table)})"):
        by_id.setdefault(row[0], []).append(row)
    nullable = {row[1]: not row[3] for row in conn.execute(f"PRAGMA table_info({quote(table)})")}
    keys = []
    for rows in by_id.values():
        rows.sort(key=lambda row: row[1])
        parent = rows[0][2]
        child = [row[3] for row in rows]
        parent_columns = [row[4] for row in rows]
        if any(c is None for c in parent_columns):
            parent_columns = key_columns(conn, parent)
        keys.append((child, parent, parent_columns, all(nullable.get(c, False) for c in child)))
    return keys
