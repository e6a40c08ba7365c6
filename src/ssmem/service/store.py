"""The service's database: tenants, hashed API keys, sessions, the event log, snapshots.

One `Store` speaks portable SQL (written with `?` placeholders); a backend subclass supplies
connections, transactions and the few type names that differ (SQLite, PostgreSQL). Every
public method is one transaction; `append_batch` commits a whole batch or nothing.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from typing import Any, ClassVar

from ssmem.service.group_commit import GroupCommitter
from ssmem.service.schema import (
    SCHEMA,
    SESSION_COLS,
    SNAP_COLS,
    EventRow,
    SessionRow,
    SnapshotRow,
)

# Snapshot ids are random in [2**52, 2**53): unguessable, so an id says nothing about other
# sessions' (or tenants') activity, and exact in every JSON reader (JavaScript's included).
# Databases from before keep their small sequential ids; both kinds are simply ids. A
# session's snapshots are ordered by the log position they cover, then by time taken.
MIN_SNAPSHOT_ID = 1 << 52
MAX_SNAPSHOT_ID = (1 << 53) - 1
SNAP_ORDER = "upto_seq, created, id"


def new_snapshot_id() -> int:
    return MIN_SNAPSHOT_ID + secrets.randbelow(MAX_SNAPSHOT_ID - MIN_SNAPSHOT_ID + 1)


class StaleWrite(RuntimeError):
    """The session moved on (or was deleted) between reading its head and committing."""


class Store:
    """Portable SQL over a DB-API connection per thread. Subclasses implement the hooks."""

    types: ClassVar[dict[str, str]] = {"autoid": "", "float": "", "blob": ""}
    serial_writes = False  # queue writers on an in-process lock (one-writer databases)

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.committer: GroupCommitter | None = None  # batches of many sessions, one commit

    # -- backend hooks -------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _begin(self, conn: Any, write: bool) -> None:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql

    # -- plumbing ------------------------------------------------------------------------
    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def tx(self, write: bool = False) -> Iterator[Any]:
        conn = self._conn()
        with self._write_lock if write and self.serial_writes else nullcontext():
            self._begin(conn, write)
            cur = conn.cursor()
            try:
                yield _Cursor(cur, self._sql)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def close(self) -> None:
        if self.committer is not None:
            self.committer.close()
            self.committer = None
        with self._lock:
            for conn in self._all:
                with suppress(Exception):  # closing at shutdown: nothing to do on failure
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    def init_schema(self) -> None:
        with self.tx(write=True) as c:
            for stmt in SCHEMA.format(**self.types).split(";"):
                if stmt.strip():
                    c.execute(stmt)

    def ping(self) -> None:
        with self.tx() as c:
            c.execute("SELECT 1")
            c.fetchall()

    # -- tenants and keys ----------------------------------------------------------------
    def create_tenant(self, name: str, now: float) -> int:
        with self.tx(write=True) as c:
            c.execute("SELECT id FROM tenants WHERE name = ?", (name,))
            row = c.fetchone()
            if row:
                return int(row[0])
            c.execute("INSERT INTO tenants (name, created) VALUES (?, ?) RETURNING id", (name, now))
            return int(c.fetchone()[0])

    def add_key(self, tenant_id: int, key_hash: str, now: float) -> None:
        with self.tx(write=True) as c:
            c.execute(
                "INSERT INTO api_keys (key_hash, tenant_id, created) VALUES (?, ?, ?)",
                (key_hash, tenant_id, now),
            )

    def tenant_for_key(self, key_hash: str) -> tuple[int, str] | None:
        with self.tx() as c:
            c.execute(
                "SELECT t.id, t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
                "WHERE k.key_hash = ?",
                (key_hash,),
            )
            row = c.fetchone()
        return (int(row[0]), str(row[1])) if row else None

    # -- sessions ------------------------------------------------------------------------
    def create_session(self, row: SessionRow) -> None:
        with self.tx(write=True) as c:
            c.execute(
                f"INSERT INTO sessions ({SESSION_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tuple(row.__dict__.values()),
            )

    def get_session(self, sid: str, tenant_id: int | None = None) -> SessionRow | None:
        """The session, or None if it does not exist or belongs to another tenant."""
        with self.tx() as c:
            if tenant_id is None:
                c.execute(f"SELECT {SESSION_COLS} FROM sessions WHERE id = ?", (sid,))
            else:
                c.execute(
                    f"SELECT {SESSION_COLS} FROM sessions WHERE id = ? AND tenant_id = ?",
                    (sid, tenant_id),
                )
            row = c.fetchone()
        return SessionRow(*row) if row else None

    def list_sessions(self, tenant_id: int, limit: int, offset: int) -> list[SessionRow]:
        with self.tx() as c:
            c.execute(
                f"SELECT {SESSION_COLS} FROM sessions WHERE tenant_id = ? "
                "ORDER BY created, id LIMIT ? OFFSET ?",
                (tenant_id, limit, offset),
            )
            return [SessionRow(*r) for r in c.fetchall()]

    def session_counts(self, tenant_id: int) -> dict[str, int]:
        """How many sessions the tenant has, per system."""
        with self.tx() as c:
            c.execute(
                "SELECT system, COUNT(*) FROM sessions WHERE tenant_id = ? GROUP BY system",
                (tenant_id,),
            )
            return {str(system): int(n) for system, n in c.fetchall()}

    def session_systems(self) -> list[str]:
        """The systems stored sessions use (any tenant), sorted."""
        with self.tx() as c:
            c.execute("SELECT DISTINCT system FROM sessions ORDER BY system")
            return [str(r[0]) for r in c.fetchall()]

    def delete_session(self, sid: str, tenant_id: int) -> bool:
        with self.tx(write=True) as c:
            c.execute("DELETE FROM sessions WHERE id = ? AND tenant_id = ?", (sid, tenant_id))
            if c.rowcount != 1:
                return False
            for table in ("events", "batch_keys", "snapshots"):
                c.execute(f"DELETE FROM {table} WHERE session_id = ?", (sid,))
            return True

    # -- the event log -------------------------------------------------------------------
    def append_batch(
        self,
        head: SessionRow,
        rows: Sequence[EventRow],
        key: tuple[str, str, str] | None,
    ) -> SessionRow:
        """Insert `rows` (one new batch) and move the session head, in one transaction.

        `head` is the session as the caller last saw it; if it changed meanwhile, raises
        `StaleWrite` and nothing is written. `key` = (idempotency key, request hash, response).
        """
        last = rows[-1] if rows else None
        new = SessionRow(
            head.id,
            head.tenant_id,
            head.name,
            head.system,
            head.created,
            last.seq if last else head.last_seq,
            head.n_events + len(rows),
            head.n_batches + (1 if rows else 0),
            last.chain if last else head.chain,
            head.budget,
        )
        head_key = (head.id, head.last_seq, head.chain)

        def write(c: _Cursor) -> SessionRow:
            c.execute(
                "UPDATE sessions SET last_seq = ?, n_events = ?, n_batches = ?, chain = ? "
                "WHERE id = ? AND last_seq = ? AND chain = ?",
                (new.last_seq, new.n_events, new.n_batches, new.chain, *head_key),
            )
            if c.rowcount != 1:
                raise StaleWrite(head.id)
            if rows:
                c.executemany(
                    "INSERT INTO events (session_id, seq, batch, body, chain) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(head.id, r.seq, r.batch, r.body, r.chain) for r in rows],
                )
            if key is not None:
                c.execute(
                    "INSERT INTO batch_keys (session_id, key, request_hash, response) "
                    "VALUES (?, ?, ?, ?)",
                    (head.id, *key),
                )
            return new

        if self.committer is not None:
            return self.committer.submit(write)
        with self.tx(write=True) as c:
            return write(c)

    def batch_key(self, sid: str, key: str) -> tuple[str, str] | None:
        with self.tx() as c:
            c.execute(
                "SELECT request_hash, response FROM batch_keys WHERE session_id = ? AND key = ?",
                (sid, key),
            )
            row = c.fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def events(self, sid: str, after: int, limit: int, upto: int | None = None) -> list[EventRow]:
        """Events with after < seq (<= upto), in seq order, at most `limit`."""
        hi = (1 << 62) if upto is None else upto
        with self.tx() as c:
            c.execute(
                "SELECT seq, batch, body, chain FROM events WHERE session_id = ? AND seq > ? "
                "AND seq <= ? ORDER BY seq LIMIT ?",
                (sid, after, hi, limit),
            )
            return [EventRow(int(a), int(b), str(t), str(h)) for a, b, t, h in c.fetchall()]

    def events_at(self, sid: str, seqs: Sequence[int]) -> list[tuple[EventRow, str | None]]:
        """The events of `seqs` the log has, in seq order, each with the chain of the event
        before it (None for the first: the genesis), so each can be checked on its own."""
        out: list[tuple[EventRow, str | None]] = []
        wanted = sorted(set(seqs))
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            with self.tx() as c:
                c.execute(
                    "SELECT e.seq, e.batch, e.body, e.chain, (SELECT p.chain FROM events p "
                    "WHERE p.session_id = e.session_id AND p.seq < e.seq ORDER BY p.seq DESC "
                    "LIMIT 1) FROM events e WHERE e.session_id = ? AND e.seq IN "
                    f"({', '.join('?' * len(part))}) ORDER BY e.seq",
                    (sid, *part),
                )
                out += [
                    (EventRow(int(a), int(b), str(t), str(h)), None if p is None else str(p))
                    for a, b, t, h, p in c.fetchall()
                ]
        return out

    def iter_events(self, sid: str, after: int = -1, page: int = 5000) -> Iterator[EventRow]:
        while True:
            rows = self.events(sid, after, page)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].seq

    # -- snapshots -----------------------------------------------------------------------
    def add_snapshot(self, snap: SnapshotRow, keep: int) -> int:
        """Store a snapshot under a new random id (`new_snapshot_id`; `snap.id` is ignored) and
        prune the session's oldest beyond `keep`; returns the id."""
        with self.tx(write=True) as c:
            while True:  # an id already taken (odds 2**-52 per snapshot stored) draws again
                new_id = new_snapshot_id()
                c.execute(
                    "INSERT INTO snapshots (id, session_id, upto_seq, n_events, created, chain, "
                    "state, checksum, rendering, state_bytes, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (
                        new_id,
                        *(snap.session_id, snap.upto_seq, snap.n_events, snap.created),
                        *(snap.chain, snap.state, snap.checksum, snap.rendering),
                        *(snap.state_bytes, snap.status),
                    ),
                )
                if c.rowcount == 1:
                    break
            newest_first = ", ".join(f"{col} DESC" for col in SNAP_ORDER.split(", "))
            c.execute(
                f"SELECT id FROM snapshots WHERE session_id = ? ORDER BY {newest_first}",
                (snap.session_id,),
            )
            old = [(int(r[0]),) for r in c.fetchall()[max(1, keep) :]]
            if old:
                c.executemany("DELETE FROM snapshots WHERE id = ?", old)
        return new_id

    def snapshots(self, sid: str) -> list[SnapshotRow]:
        """The session's snapshots, oldest first (by the log position they cover)."""
        with self.tx() as c:
            c.execute(
                f"SELECT {SNAP_COLS} FROM snapshots WHERE session_id = ? ORDER BY {SNAP_ORDER}",
                (sid,),
            )
            return [SnapshotRow(*r) for r in c.fetchall()]

    def snapshot(self, sid: str, snap_id: int, with_state: bool = False) -> SnapshotRow | None:
        cols = SNAP_COLS + (", state" if with_state else "")
        with self.tx() as c:
            c.execute(
                f"SELECT {cols} FROM snapshots WHERE session_id = ? AND id = ?", (sid, snap_id)
            )
            row = c.fetchone()
        if row is None:
            return None
        state = bytes(row[-1]) if with_state and row[-1] is not None else None
        return SnapshotRow(*row[:10], state=state)

    def mark_snapshot(self, snap_id: int, status: str) -> None:
        with self.tx(write=True) as c:
            c.execute("UPDATE snapshots SET status = ? WHERE id = ?", (status, snap_id))


class _Cursor:
    """A DB-API cursor whose SQL goes through the backend's placeholder rewrite."""

    def __init__(self, cur: Any, rewrite: Any) -> None:
        self._cur = cur
        self._rewrite = rewrite

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(self._rewrite(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cur.executemany(self._rewrite(sql), rows)

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)


def open_store(url: str, synchronous: str = "FULL") -> Store:
    """`sqlite:///path` or `postgresql://...` (psycopg 3). The schema is created if missing."""
    if url.startswith("sqlite:///"):
        from ssmem.service.sqlite_store import SqliteStore

        store: Store = SqliteStore(url[len("sqlite:///") :], synchronous)
    elif url.startswith(("postgresql://", "postgres://")):
        from ssmem.service.postgres_store import PostgresStore

        store = PostgresStore(url)
    else:
        raise ValueError(f"unsupported database URL {url.split(':')[0]!r}")
    store.init_schema()
    if store.serial_writes:  # one writer at a time anyway: share each fsync among many batches
        store.committer = GroupCommitter(store)
    return store
