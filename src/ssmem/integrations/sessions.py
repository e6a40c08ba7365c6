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
write to a name creates it with the configured system and budget, and later uses, from any
process, find it again (the oldest session of that name). Reading a name nothing was
written to creates nothing and answers as an empty session (`NamedSessions`). Every failure raises
`ServiceError` with an HTTP-like status, the bad field and a one-line message, in both
modes. Events are dicts as the service takes them (`text`, optional `source`, `ts`, `meta`,
`seq`); the service assigns seqs to events without one.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
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


class NamedSessions(ABC):
    """Name → session, and the reads every backend answers the same way for a name no
    write has used yet: nothing is created, and they answer as an empty session would (an
    empty context, no slots, no events, and `history` a 404 naming `seq`), after the same
    argument checks.
    Subclasses do the work by session id."""

    def __init__(self, system: str, budget: int | None) -> None:
        self.system = system
        self.budget = budget
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def session_id(self, name: str, create: bool = True) -> str | None:
        """The id of the session called `name` (the oldest of that name); created when
        missing if `create`, else None."""
        check_name(name)
        with self._lock:
            sid = self._ids.get(name)
            if sid is None:
                sid = self._find(name)
                if sid is None and create:
                    sid = self._create(name)
                if sid is not None:
                    self._ids[name] = sid
            return sid

    def _existing(self, name: str) -> str | None:
        return self.session_id(name, create=False)

    def append(self, session: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        sid = self.session_id(session)
        assert sid is not None
        return self._append(sid, events)

    def context(self, session: str, query: str, budget: int | None = None) -> dict[str, Any]:
        sid = self._existing(session)
        if sid is not None:
            return self._context(sid, query, budget)
        b = self._check_read(query, self.budget if budget is None else budget)
        return {
            "system": self.system,
            "budget": b,
            "tokens": 0,
            "segments": [],
            "lines": [],
            "text": "",
            "stats": {"events": 0, "state_bytes": 0},
        }

    def probe(self, session: str, about: str, limit: int = 5) -> list[dict[str, Any]]:
        sid = self._existing(session)
        if sid is not None:
            return self._probe(sid, about, limit)
        self._check_read(about, None, "about")
        if limit < 1:
            raise ServiceError(422, "invalid", f"must be at least 1, got {limit}", "limit")
        return []

    def history(self, session: str, seq: int) -> dict[str, Any]:
        sid = self._existing(session)
        if sid is None:
            why = f"no slot holds event #{seq} (nothing was written to {session!r} yet)"
            raise ServiceError(404, "not_found", why, "seq")
        return self._history(sid, seq)

    def events(self, session: str, after: int = -1, limit: int = 1000) -> list[dict[str, Any]]:
        sid = self._existing(session)
        return [] if sid is None else self._events(sid, after, limit)

    def tail(self, session: str, n: int) -> list[dict[str, Any]]:
        sid = self._existing(session)
        if sid is None:
            return []
        return last_events(lambda after, k: self._events(sid, after, k), self._head(sid), n)

    def _check_read(self, text: str, budget: int | None, field: str = "query") -> int:
        """The checks a read of an existing session makes on its arguments; the budget."""
        if len(text) > 10_000 or "\x00" in text:
            raise ServiceError(422, "invalid", "longer than 10000 characters or has NUL", field)
        b = self._default_budget() if budget is None else budget
        top = self._max_budget()
        if b < 0 or (top is not None and b > top):
            raise ServiceError(422, "invalid", f"budget must be 0..{top}, got {b}", "budget")
        return b

    def _default_budget(self) -> int:
        return 512

    def _max_budget(self) -> int | None:
        return None

    @abstractmethod
    def _find(self, name: str) -> str | None: ...

    @abstractmethod
    def _create(self, name: str) -> str: ...

    @abstractmethod
    def _append(self, sid: str, events: list[dict[str, Any]]) -> dict[str, Any]: ...

    @abstractmethod
    def _context(self, sid: str, query: str, budget: int | None) -> dict[str, Any]: ...

    @abstractmethod
    def _probe(self, sid: str, about: str, limit: int) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _history(self, sid: str, seq: int) -> dict[str, Any]: ...

    @abstractmethod
    def _events(self, sid: str, after: int, limit: int) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _head(self, sid: str) -> int:
        """The session's last seq (-1 when it has no events)."""


class LocalSessions(NamedSessions):
    """Sessions in `data_dir` (SQLite), served from this process."""

    def __init__(
        self,
        data_dir: str | Path,
        system: str = DEFAULT_SYSTEM,
        budget: int | None = None,
        settings: ServiceSettings | None = None,
    ) -> None:
        super().__init__(system, budget)
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.settings = settings or ServiceSettings(data_dir=str(data_dir))
        self.settings.data_dir = str(data_dir)
        self.services = build_services(self.settings)
        self.tenant = self.services.store.create_tenant(LOCAL_TENANT, 0.0)

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except ApiError as err:
            raise ServiceError(err.status, err.code, err.message, err.field) from None
        except InputError as err:
            raise ServiceError(422, "invalid", str(err), None) from None

    def _find(self, name: str) -> str | None:
        store, offset = self.services.store, 0
        while True:
            rows = store.list_sessions(self.tenant, 1000, offset)
            sid = next((r.id for r in rows if r.name == name), None)
            if sid is not None or len(rows) < 1000:
                return sid
            offset += 1000

    def _create(self, name: str) -> str:
        mgr, tenant = self.services.manager, self.tenant
        return self._call(lambda: mgr.create(tenant, name, self.system, self.budget)).id

    def _default_budget(self) -> int:
        return self.settings.default_budget

    def _max_budget(self) -> int | None:
        return self.settings.lim.max_budget

    def _append(self, sid: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        mgr = self.services.manager
        return self._call(lambda: mgr.ingest(self.tenant, sid, list(events), None, "local"))

    def _context(self, sid: str, query: str, budget: int | None) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            check_text(query, "query", 10_000)
            own = self.services.manager.row(self.tenant, sid).budget
            b = self._check_read("", own if budget is None else budget)
            ctx, stats = self.services.manager.context(self.tenant, sid, query, b)
            return {**ctx.to_dict(), "text": ctx.render(), "stats": stats}

        return self._call(read)

    def _probe(self, sid: str, about: str, limit: int) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            check_text(about, "about", 10_000)
            return self.services.manager.probe(self.tenant, sid, about, limit)

        return self._call(read)

    def _history(self, sid: str, seq: int) -> dict[str, Any]:
        return self._call(lambda: self.services.manager.history(self.tenant, sid, seq))

    def _events(self, sid: str, after: int, limit: int) -> list[dict[str, Any]]:
        rows = self.services.store.events(sid, after, max(1, min(limit, 5000)))
        return [event_from_body(r.body).to_dict() for r in rows]

    def _head(self, sid: str) -> int:
        row = self.services.store.get_session(sid)
        return row.last_seq if row is not None else -1

    def sessions(self) -> list[dict[str, Any]]:
        rows = self.services.store.list_sessions(self.tenant, 1000, 0)
        return [session_out(r).model_dump() for r in rows]

    def close(self) -> None:
        self.services.store.close()


class RemoteSessions(NamedSessions):
    """Sessions on a running `ssmem serve` (its URL and a tenant's API key)."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        system: str = DEFAULT_SYSTEM,
        budget: int | None = None,
        timeout: float = 60.0,
    ) -> None:
        super().__init__(system, budget)
        self.client = Client(url, api_key, timeout)

    def _find(self, name: str) -> str | None:
        offset = 0
        while True:
            rows = self.client.sessions(1000, offset)
            sid = next((r["id"] for r in rows if r["name"] == name), None)
            if sid is not None or len(rows) < 1000:
                return sid
            offset += 1000

    def _create(self, name: str) -> str:
        return self.client.create_session(self.system, name, self.budget)["id"]

    def _append(self, sid: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self.client.ingest(sid, events)

    def _context(self, sid: str, query: str, budget: int | None) -> dict[str, Any]:
        return self.client.context(sid, query, budget)

    def _probe(self, sid: str, about: str, limit: int) -> list[dict[str, Any]]:
        return self.client.probe(sid, about, limit)

    def _history(self, sid: str, seq: int) -> dict[str, Any]:
        return self.client.history(sid, seq)

    def _events(self, sid: str, after: int, limit: int) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.client.events(sid, after, limit)]

    def _head(self, sid: str) -> int:
        last = self.client.session(sid).get("last_seq")
        return -1 if last is None else int(last)

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
