"""Row counts of the big tables, kept in ``row_counts`` so the status bar need not scan ten million readings.

``count(*)`` on a WITHOUT ROWID table reads the whole b-tree (about a second at 10M readings). Instead each count
is taken once, lazily, the first time someone asks, and from then on every ingest adds its inserted rows in the
same transaction. Code that writes these tables without going through the store's ingest (a test, a benchmark's
generator) should call :func:`recount` afterwards.
"""

from __future__ import annotations

from sqlalchemy import Connection

#: Tables whose counts are maintained incrementally; other counts are cheap index counts.
COUNTED_TABLES = ("air_readings", "air_hourly", "river_readings", "fire_hotspots")


def add_to_count(conn: Connection, table: str, delta: int) -> None:
    """Add ``delta`` to a maintained count (a no-op until the count has been taken once)."""
    if delta:
        conn.exec_driver_sql("UPDATE row_counts SET n = n + ? WHERE table_name = ?", (delta, table))


def read_count(conn: Connection, table: str) -> int:
    """The maintained count of ``table``, taking it (one full count) the first time."""
    if table not in COUNTED_TABLES:
        raise ValueError(f"{table} has no maintained count")
    row = conn.exec_driver_sql("SELECT n FROM row_counts WHERE table_name = ?", (table,)).first()
    if row is not None:
        return int(row[0])
    n = int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
    conn.exec_driver_sql("INSERT INTO row_counts (table_name, n) VALUES (?, ?)", (table, n))
    return n


def recount(conn: Connection) -> None:
    """Forget the maintained counts; the next :func:`read_count` takes them afresh."""
    conn.exec_driver_sql("DELETE FROM row_counts")
