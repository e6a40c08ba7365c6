"""Named memory sessions for the integrations: embedded in a data dir, or on `ssmem serve`.

The MCP server, the OpenAI-compatible proxy and the LangChain / LlamaIndex adapters all
speak to memory through `SessionMemory`, so each works the same locally and against a
running service:

- `LocalSessions(data_dir)`: the service's own session manager over its SQLite store in
  `data_dir`, in this process (no server to run). Writes are committed to the same hash-
  chained log `ssmem serve` keeps, with the same validation, so a data dir can later be
  served as is (its sessions belong to the tenant "local").
- `RemoteSessions(url, api_key)`: the HTTP client of a running `ssmem serve`.

A session is addressed by *name* (what an agent knows: "repo-watch", a user id); the first
use of a name creates it with the configured system and budget, and later uses, from any
process, find it again (the oldest session of that name). Every failure raises
`ServiceError` with an HTTP-like status, the bad field and a one-line message, in both
modes. Events are dicts as the service takes them (`text`, optional `source`, `ts`, `meta`,
`seq`); the service assigns seqs to events without one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ssmem.client import Client, ServiceError
from ssmem.errors import InputError
from ssmem.service.app import build_services
from ssmem.service.errors import ApiError, check_text
from ssmem.service.eventlog import event_from_body
from ssmem.service.routes_sessions import session_out
from ssmem.service.settings import ServiceSettings
from ssmem.systems import DEFAULT_SYSTEM

T = TypeVar("T")
LOCAL_TENANT = "local"
MAX_NAME = 200


class SessionMemory(Protocol):
    """What the integrations need from memory; both modes implement it the same way."""

    system: str  # the system new sessions get

    def append(self, session: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Commit `events` to the session (created on first use); the ingest receipt:
        `accepted`, `duplicates`, `first_seq`, `last_seq`, `head_seq`, `events`."""
        ...

    def context(self, session: str, query: str, budget: int | None = None) -> dict[str, Any]:
        """The context the session's system builds for `query` within `budget` tokens:
        `text` (what a reader sees), `lines` (typed, with seqs and sources), `tokens`."""
        ...

    def probe(self, session: str, about: str, limit: int = 5) -> list[dict[str, Any]]:
        """The slots held about `about`, best first, each with its superseded history."""
        ...

    def history(self, session: str, seq: int) -> dict[str, Any]:
        """The slot that holds or held event `seq`, with every value it replaced."""
        ...

    def events(self, session: str, after: int = -1, limit: int = 1000) -> list[dict[str, Any]]:
        """One page of the session's committed log (seq > after), as event dicts."""
        ...

    def tail(self, session: str, n: int) -> list[dict[str, Any]]:
        """The session's last `n` events, oldest first (fewer if it has fewer)."""
        ...

    def sessions(self) -> list[dict[str, Any]]:
        """Every session (id, name, system, events, last_seq, budget)."""
        ...

    def close(self) -> None: ...


def check_name(name: str) -> str:
    """A session name: 1–200 characters, no control characters."""
    if not isinstance(name, str) or not name.strip():
        raise ServiceError(422, "invalid", "a session name is required", "session")
    if len(name) > MAX_NAME:
        raise ServiceError(422, "invalid", f"session name longer than {MAX_NAME}", "session")
    try:
        check_text(name, "session")
    except ApiError as err:
        raise ServiceError(err.status, err.code, err.message, err.field) from None
    return name


def last_events(
    page: Callable[[int, int], list[dict[str, Any]]], head: int, n: int
) -> list[dict[str, Any]]:
    """The last `n` events up to seq `head`, read with `page(after, limit)`. Seqs are
    consecutive unless a client chose its own; the window widens over gaps."""
    if head < 0 or n <= 0:
        return []
    span, events = n, []
    for _ in range(8):
        after = max(-1, head - span)
        events = page(after, min(head - after, 5000))
        if len(events) >= n or after == -1:
            break
        span *= 4
    return events[-n:]


class LocalSessions:
    """Sessions in `data_dir` (SQLite), served from this process."""

    def __init__(
        self,
        data_dir: str | Path,
        system: str = DEFAULT_SYSTEM,
        budget: int | None = None,
        settings: ServiceSettings | None = None,
    ) -> None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.settings = settings or ServiceSettings(data_dir=str(data_dir))
        self.settings.data_dir = str(data_dir)
        self.system = system
        self.budget = budget
        self.services = build_services(self.settings)
        self.tenant = self.services.store.create_tenant(LOCAL_TENANT, 0.0)
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except ApiError as err:
            raise ServiceError(err.status, err.code, err.message, err.field) from None
        except InputError as err:
            raise ServiceError(422, "invalid", str(err), None) from None

    def session_id(self, name: str) -> str:
        """The id of the session called `name`, creating it on first use."""
        check_name(name)
        with self._lock:
            sid = self._ids.get(name)
            if sid is None:
                store, offset = self.services.store, 0
                while sid is None:
                    rows = store.list_sessions(self.tenant, 1000, offset)
                    sid = next((r.id for r in rows if r.name == name), None)
                    if len(rows) < 1000:
                        break
                    offset += 1000
                if sid is None:
                    mgr, tenant = self.services.manager, self.tenant
                    row = self._call(lambda: mgr.create(tenant, name, self.system, self.budget))
                    sid = row.id
                self._ids[name] = sid
            return sid

    def _budget(self, sid: str, budget: int | None) -> int:
        if budget is None:
            budget = self.services.manager.row(self.tenant, sid).budget
        b = self.settings.default_budget if budget is None else budget
        top = self.settings.lim.max_budget
        if b < 0 or b > top:
            raise ApiError(422, f"budget must be 0..{top}, got {b}", "budget")
        return b

    def append(self, session: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        sid = self.session_id(session)
        mgr = self.services.manager
        return self._call(lambda: mgr.ingest(self.tenant, sid, list(events), None, "local"))

    def context(self, session: str, query: str, budget: int | None = None) -> dict[str, Any]:
        sid = self.session_id(session)

        def read() -> dict[str, Any]:
            check_text(query, "query", 10_000)
            ctx, stats = self.services.manager.context(
                self.tenant, sid, query, self._budget(sid, budget)
            )
            return {**ctx.to_dict(), "text": ctx.render(), "stats": stats}

        return self._call(read)

    def probe(self, session: str, about: str, limit: int = 5) -> list[dict[str, Any]]:
        sid = self.session_id(session)

        def read() -> list[dict[str, Any]]:
            check_text(about, "about", 10_000)
            return self.services.manager.probe(self.tenant, sid, about, limit)

        return self._call(read)

    def history(self, session: str, seq: int) -> dict[str, Any]:
        sid = self.session_id(session)
        return self._call(lambda: self.services.manager.history(self.tenant, sid, seq))

    def events(self, session: str, after: int = -1, limit: int = 1000) -> list[dict[str, Any]]:
        sid = self.session_id(session)
        rows = self.services.store.events(sid, after, max(1, min(limit, 5000)))
        return [event_from_body(r.body).to_dict() for r in rows]

    def tail(self, session: str, n: int) -> list[dict[str, Any]]:
        sid = self.session_id(session)
        row = self.services.store.get_session(sid)
        head = row.last_seq if row is not None else -1
        return last_events(lambda after, k: self.events(session, after, k), head, n)

    def sessions(self) -> list[dict[str, Any]]:
        rows = self.services.store.list_sessions(self.tenant, 1000, 0)
        return [session_out(r).model_dump() for r in rows]

    def close(self) -> None:
        self.services.store.close()


class RemoteSessions:
    """Sessions on a running `ssmem serve` (its URL and a tenant's API key)."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        system: str = DEFAULT_SYSTEM,
        budget: int | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.client = Client(url, api_key, timeout)
        self.system = system
        self.budget = budget
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def session_id(self, name: str) -> str:
        check_name(name)
        with self._lock:
            sid = self._ids.get(name)
            if sid is None:
                offset = 0
                while sid is None:
                    rows = self.client.sessions(1000, offset)
                    sid = next((r["id"] for r in rows if r["name"] == name), None)
                    if len(rows) < 1000:
                        break
                    offset += 1000
                if sid is None:
                    sid = self.client.create_session(self.system, name, self.budget)["id"]
                self._ids[name] = sid
            return sid

    def append(self, session: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self.client.ingest(self.session_id(session), events)

    def context(self, session: str, query: str, budget: int | None = None) -> dict[str, Any]:
        return self.client.context(self.session_id(session), query, budget)

    def probe(self, session: str, about: str, limit: int = 5) -> list[dict[str, Any]]:
        return self.client.probe(self.session_id(session), about, limit)

    def history(self, session: str, seq: int) -> dict[str, Any]:
        return self.client.history(self.session_id(session), seq)

    def events(self, session: str, after: int = -1, limit: int = 1000) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.client.events(self.session_id(session), after, limit)]

    def tail(self, session: str, n: int) -> list[dict[str, Any]]:
        last = self.client.session(self.session_id(session)).get("last_seq")
        head = -1 if last is None else int(last)
        return last_events(lambda after, k: self.events(session, after, k), head, n)

    def sessions(self) -> list[dict[str, Any]]:
        return self.client.sessions(1000, 0)

    def close(self) -> None:
        self.client.close()


def open_sessions(
    data_dir: str | Path | None = None,
    url: str | None = None,
    api_key: str | None = None,
    system: str = DEFAULT_SYSTEM,
    budget: int | None = None,
) -> SessionMemory:
    """`RemoteSessions` when `url` is given, else `LocalSessions` in `data_dir`."""
    if url:
        return RemoteSessions(url, api_key, system, budget)
    return LocalSessions(data_dir or "./ssmem-data", system, budget)
