"""A store belongs to one backend (services.backend_identity): bound on first use, checked on every open.

Why: incident ids and outbox entries only mean something on the backend they came from. A training edit sent to the
live server lands on an unrelated citizen's report; a live edit "sent" to the simulator is marked done and never
reaches the real server. So:

- a new store is bound to the backend the console opens it with;
- opening it for another backend is refused (:class:`StoreBindingError`), unless the store holds nothing of its
  backend's (no incidents, no outbox entries, no unsent alert entries): then it is simply rebound, since there is
  nothing to mix up;
- a store written before binding existed (no binding row) that holds incidents or edits is refused too, because
  nobody can tell which backend they came from; the person at the console decides (:func:`adopt`);
- every outbox entry records the key of the backend it was made for, and the outbox only sends entries whose key is
  the binding's (services.store.outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from services.backend_identity import BackendIdentity
from services.errors import StoreBindingError
from services.store.database import write_transaction
from services.store.schema import to_unix

UNSENT_STATES = ("pending", "conflict")
#: The alert outbox (services.store.alert_outbox) has no conflict state: an entry the backend does not have yet is
#: pending; a refused one ('failed') will never be sent, as a refused incident edit.
ALERT_UNSENT_STATES = ("pending",)


@dataclass(frozen=True, slots=True)
class StoreContents:
    """What a store holds of its backend's."""

    incidents: int
    outbox: int  # entries in any state
    unsent: int  # pending or conflict, and pending alert entries: edits the backend does not have yet


def read_binding(engine: Engine) -> BackendIdentity | None:
    with engine.connect() as conn:
        return read_binding_in(conn)


def read_binding_in(conn: Connection) -> BackendIdentity | None:
    """The binding, read within an open connection (one read transaction with other reads)."""
    # The key carries what has no column of its own (an embedded simulator's scenario); it is written with the row.
    row = conn.exec_driver_sql("SELECT key FROM backend_binding WHERE id = 1").first()
    return None if row is None else BackendIdentity.from_key(row[0])


def contents(engine: Engine) -> StoreContents:
    with engine.connect() as conn:
        return _contents(conn)


def _contents(conn: Connection) -> StoreContents:
    incidents = conn.exec_driver_sql("SELECT count(*) FROM incidents").scalar_one()
    outbox = conn.exec_driver_sql("SELECT count(*) FROM outbox").scalar_one()
    unsent = conn.exec_driver_sql(
        f"SELECT count(*) FROM outbox WHERE state IN ({', '.join('?' * len(UNSENT_STATES))})", UNSENT_STATES
    ).scalar_one()
    unsent_alerts = conn.exec_driver_sql(
        f"SELECT count(*) FROM alert_outbox WHERE state IN ({', '.join('?' * len(ALERT_UNSENT_STATES))})",
        ALERT_UNSENT_STATES).scalar_one()
    return StoreContents(int(incidents), int(outbox), int(unsent) + int(unsent_alerts))


def bind(engine: Engine, wanted: BackendIdentity, now: datetime | None = None) -> str:
    """Check the store's binding against ``wanted`` and bind it where that is safe; returns "same", "bound" (a new
    or empty store) or "rebound" (an empty store moved to another backend). Raises :class:`StoreBindingError`."""
    with write_transaction(engine) as conn:
        stored = read_binding_in(conn)
        if stored is not None and stored.key == wanted.key:
            return "same"
        held = _contents(conn)
        # Unsent alert entries count too: rebound, they would wait forever for a backend the store is no longer
        # bound to (the drain sends only entries made for the binding).
        if held.incidents or held.outbox or held.unsent:
            raise _refusal(stored, wanted, held)
        _write(conn, wanted, now)
        return "bound" if stored is None else "rebound"


def adopt(engine: Engine, wanted: BackendIdentity, now: datetime | None = None) -> None:
    """A person says an unbound store (from before binding) belongs to ``wanted``: bind it, and mark its outbox
    entries as made for it. Refuses a store already bound to another backend: that one is never re-assigned."""
    with write_transaction(engine) as conn:
        stored = read_binding_in(conn)
        if stored is not None and stored.key != wanted.key:
            raise _refusal(stored, wanted, _contents(conn))
        _write(conn, wanted, now)


def _write(conn: Connection, identity: BackendIdentity, now: datetime | None) -> None:
    conn.exec_driver_sql("DELETE FROM backend_binding")
    conn.exec_driver_sql(
        "INSERT INTO backend_binding (id, key, mode, kind, url, seed, bound_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
        (identity.key, identity.mode, identity.kind, identity.url, identity.seed, to_unix(now or datetime.now(UTC))))
    # Entries from before 0011 carry no key; bound now, they belong to this backend (the store was empty or a
    # person said so).
    conn.exec_driver_sql("UPDATE outbox SET backend = ? WHERE backend IS NULL", (identity.key,))


def _refusal(stored: BackendIdentity | None, wanted: BackendIdentity, held: StoreContents) -> StoreBindingError:
    what = f"{held.incidents} incidents and {held.unsent} unsent edits"
    if stored is None:
        message = (f"this store was written before stores were bound to a backend and holds {what}; it cannot tell "
                   f"whether they belong to {wanted.describe()}")
    else:
        message = f"this store belongs to {stored.describe()} and holds {what}; it is not opened for " \
                  f"{wanted.describe()}"
    return StoreBindingError(message, stored=stored, wanted=wanted, unsent=held.unsent, incidents=held.incidents)
