"""The session manager: live `MemorySystem`s per session, kept equal to the committed log.

Order of an ingest, under the session's lock: validate the whole batch, commit it (events +
head + idempotency key in one transaction), then feed the new events to memory. Memory is
therefore always a function of the committed log; on a cold start (or after eviction) it is
restored from the newest valid snapshot and the events after it, replayed in their original
batches. Any system registered in `ssmem.systems` can be served; snapshots of state are used
only for systems implementing `SnapshotableMemory`.

One `Live` per session: every use pins it (`use`), and eviction from the live cache skips
pinned ones (the cache may exceed `max_live_sessions` while they are busy), so a writer can
never feed a `Live` that a concurrent restore has already replaced. A restore reads the
session row itself, under the session's loading lock, and replays the log up to that row.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.llm.pool import PoolFull, shared_pool
from ssmem.service import eventlog, recovery, snapshots
from ssmem.service.errors import ApiError, not_found
from ssmem.service.metrics import Metrics
from ssmem.service.reader import Reader
from ssmem.service.settings import ServiceSettings
from ssmem.service.store import SessionRow, SnapshotRow, StaleWrite, Store
from ssmem.systems import SYSTEMS, Context, MemorySystem, make_system, probe
from ssmem.systems.grounding import GroundableMemory, Grounding
from ssmem.systems.summary import summary_factory

log = logging.getLogger("ssmem.service")
SNAPSHOT_GIVE_WAY = 10  # automatic snapshots wait for ingest time at most this many times
SESSION_ID = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16); anything else cannot exist


@dataclass
class Live:
    row: SessionRow
    system: MemorySystem
    lock: threading.Lock = field(default_factory=threading.Lock)
    since_snapshot: int = 0
    broken: bool = False  # deleted or failed: never used again (users retry with a fresh one)
    state_bytes: int = 0  # last seen, for /metrics without touching a busy system
    users: int = 0  # threads holding it (guarded by the manager's lock); never evicted if > 0
    ingest_s: float = 0.0  # seconds memory spent ingesting since the last snapshot
    since_ground: int = 0  # events since the last re-grounding pass
    snapshot_s: float = 0.0  # seconds the last snapshot took


def needs_model(system: str) -> bool:
    """Whether sessions of `system` run an LLM (the LLM-written summary), for the caps."""
    return SYSTEMS.get(system) is summary_factory


class SessionManager:
    """Live sessions of one process. Sets the process's model pool to `max_models`."""

    def __init__(self, store: Store, settings: ServiceSettings, metrics: Metrics) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._live: OrderedDict[str, Live] = OrderedDict()
        self._loading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._create_lock = threading.Lock()  # count + insert, so caps hold under concurrency
        shared_pool().max_models = settings.max_models

    # -- sessions ------------------------------------------------------------------------
    def create(
        self, tenant_id: int, name: str, system: str, budget: int | None = None
    ) -> SessionRow:
        """A new session. 429 past `max_sessions_per_tenant` or `max_model_sessions_per_tenant`
        (counted in the store), 503 when its system cannot be built here, including when its
        model would exceed `max_models` (each message names the limit)."""
        if system not in SYSTEMS:
            raise ApiError(
                422, f"unknown system (available: {', '.join(sorted(SYSTEMS))})", "system"
            )
        self._check_caps(tenant_id, system)  # before building: a refused request loads nothing
        mem = self._build(system)
        sid = secrets.token_hex(16)
        head = (-1, 0, 0, eventlog.genesis(sid))  # empty: last_seq, events, batches, chain
        row = SessionRow(sid, tenant_id, name, system, time.time(), *head, budget)
        with self._create_lock:
            self._check_caps(tenant_id, system)  # again: another create may have won meanwhile
            self.store.create_session(row)
        self._remember(Live(row, mem))
        return row

    def _check_caps(self, tenant_id: int, system: str) -> None:
        """429 naming the cap when the tenant's stored sessions are already at it."""
        s = self.settings
        cap, model_cap = s.max_sessions_per_tenant, s.max_model_sessions_per_tenant
        if not cap and not (model_cap and needs_model(system)):
            return
        counts = self.store.session_counts(tenant_id)
        total = sum(counts.values())
        if cap and total >= cap:
            raise ApiError(
                429,
                f"tenant has {total} sessions: max_sessions_per_tenant is {cap} (delete one first)",
                "max_sessions_per_tenant",
                code="quota_exceeded",
            )
        if model_cap and needs_model(system):
            n = sum(k for name, k in counts.items() if needs_model(name))
            if n >= model_cap:
                raise ApiError(
                    429,
                    f"tenant has {n} sessions that run a model: max_model_sessions_per_tenant "
                    f"is {model_cap} (delete one first)",
                    "max_model_sessions_per_tenant",
                    code="quota_exceeded",
                )

    @staticmethod
    def _build(system: str) -> MemorySystem:
        """A fresh system; 503 when a registered one cannot load here (e.g. no checkpoint, or
        its model would exceed `max_models`)."""
        try:
            return make_system(system)
        except PoolFull as err:
            raise ApiError(503, f"system {system!r} unavailable: {err}", "max_models") from None
        except Exception as err:
            log.warning("system %s cannot be built: %s", system, err)
            raise ApiError(503, f"system {system!r} unavailable: {err}", "system") from None

    def row(self, tenant_id: int, sid: str) -> SessionRow:
        """The tenant's session, or 404 (also for another tenant's id: existence never leaks)."""
        row = self.store.get_session(sid, tenant_id) if SESSION_ID.fullmatch(sid) else None
        if row is None:
            raise not_found("session", "session_id")
        return row

    def delete(self, tenant_id: int, sid: str) -> None:
        """Delete the session, its log and snapshots (no restore needed to do so)."""
        self.row(tenant_id, sid)
        with self._lock:
            live = self._live.get(sid)
        with live.lock if live is not None else nullcontext():
            if not self.store.delete_session(sid, tenant_id):
                raise not_found("session", "session_id")
            if live is not None:
                live.broken = True
                self._forget(live)

    # -- ingest and reads ----------------------------------------------------------------
    def ingest(
        self, tenant_id: int, sid: str, raw: list[Any], key: str | None, transport: str
    ) -> dict[str, Any]:
        t0 = time.perf_counter()
        with self.use(tenant_id, sid) as live:
            req_hash = eventlog.request_hash(raw)
            if key is not None:
                prior = self.store.batch_key(sid, key)
                if prior is not None:
                    if prior[0] != req_hash:
                        raise ApiError(
                            409, "idempotency key reused with a different batch", "idempotency_key"
                        )
                    return {**json.loads(prior[1]), "replayed": True}
            plan = eventlog.plan_batch(raw, live.row, self.settings.lim, self.store)
            head = live.row
            n_events = head.n_events + len(plan.rows)
            response = {
                "session_id": sid,
                "accepted": len(plan.rows),
                "duplicates": plan.duplicates,
                "first_seq": plan.first_seq,
                "last_seq": plan.last_seq,
                "head_seq": plan.rows[-1].seq if plan.rows else head.last_seq,
                "events": n_events,
                "replayed": False,
            }
            keyed = (key, req_hash, json.dumps(response)) if key is not None else None
            try:
                live.row = self.store.append_batch(head, plan.rows, keyed)
            except StaleWrite:
                live.broken = True
                self._forget(live)
                self.row(tenant_id, sid)  # deleted meanwhile: 404
                raise ApiError(409, "session changed underneath; retry", "session_id") from None
            self._feed(live, plan.events)
        self.metrics.events.inc(len(plan.rows))
        self.metrics.duplicates.inc(plan.duplicates)
        self.metrics.batches.labels(transport).inc()
        self.metrics.ingest_seconds.observe(time.perf_counter() - t0)
        return response

    def _feed(self, live: Live, events: list[Event]) -> None:
        """Give committed events to memory; a failing system is dropped and rebuilt later."""
        if not events:
            return
        t0 = time.perf_counter()
        try:
            live.system.ingest(events)
        except Exception:
            live.broken = True
            self._forget(live)
            log.exception("memory system %s failed on ingest; will rebuild", live.row.system)
            raise
        live.ingest_s += time.perf_counter() - t0
        live.since_snapshot += len(events)
        live.since_ground += len(events)
        every = self.settings.ground_every
        if every and live.since_ground >= every:
            self._ground(live.row.id, live.system)
            live.since_ground = 0
        live.state_bytes = live.system.stats().state_bytes
        if self._snapshot_due(live):
            try:  # an optimisation only: the batch is committed, so never fail it for this
                self._snapshot(live)
            except Exception:
                log.exception("session %s: automatic snapshot failed", live.row.id)

    def _snapshot_due(self, live: Live) -> bool:
        """An automatic snapshot is due every `snapshot_every` events, but no sooner than
        when snapshots would take more than `snapshot_overhead` of the ingest time (the last
        snapshot's cost stands for the next one's), and never later than `SNAPSHOT_GIVE_WAY`
        times `snapshot_every` events. The replay after a restart is bounded by the ingest
        time since the last snapshot, so it stays near `snapshot_every` events, or the last
        snapshot's cost over `snapshot_overhead` when the state is large."""
        every, share = self.settings.snapshot_every, self.settings.snapshot_overhead
        if not every or live.since_snapshot < every:
            return False
        if live.since_snapshot >= SNAPSHOT_GIVE_WAY * every:
            return True  # a replay also reads and hash-checks each event: bound it in events too
        return not share or live.ingest_s * share >= live.snapshot_s

    def context(
        self, tenant_id: int, sid: str, query: str, budget: int
    ) -> tuple[Context, dict[str, int]]:
        """The context for `query` within `budget`, and the system's stats, read together."""
        t0 = time.perf_counter()
        with self.use(tenant_id, sid) as live:
            try:
                ctx = live.system.context(query, budget)
            except ValueError as err:
                raise ApiError(422, str(err), "budget") from None
            stats = live.system.stats().to_dict()
        self.metrics.read_seconds.observe(time.perf_counter() - t0)
        return ctx, stats

    def probe(self, tenant_id: int, sid: str, about: str, limit: int) -> list[dict[str, Any]]:
        """The slots most relevant to `about` with their history (`systems.probe.probe`);
        409 when the session's system keeps no slots."""
        return self._slots(tenant_id, sid, lambda system: probe.probe(system, about, limit))

    def history(self, tenant_id: int, sid: str, seq: int) -> dict[str, Any]:
        """The slot that holds or held event `seq`, all its values; 404 when none does."""
        slot = self._slots(tenant_id, sid, lambda system: probe.history(system, seq))
        if slot is None:
            raise ApiError(
                404, f"no slot holds event #{seq} (dropped as noise, evicted, or not seen)", "seq"
            )
        return slot

    def _slots(self, tenant_id: int, sid: str, read: Callable[[MemorySystem], Any]) -> Any:
        t0 = time.perf_counter()
        with self.use(tenant_id, sid) as live:
            try:
                out = read(live.system)
            except probe.NoSlots as err:
                raise ApiError(409, str(err), "session_id") from None
            except InputError as err:
                raise ApiError(422, str(err), "limit") from None
        self.metrics.read_seconds.observe(time.perf_counter() - t0)
        return out

    def answer(
        self, tenant_id: int, sid: str, query: str, budget: int, reader: Reader
    ) -> dict[str, Any]:
        """The orchestrator's answer over this session's memory, with the cited events.

        Holds the session lock while the reader runs (ingest to this session waits).
        """
        from ssmem.orchestrator import answer

        backend = reader.get()
        with self.use(tenant_id, sid) as live:
            try:
                out = answer(live.system, query, budget, backend)
            except InputError as err:
                raise ApiError(502, f"LLM backend failed: {err}", "query") from None
        cited = [
            eventlog.event_from_body(r.body).to_dict()
            for q in out.citations
            for r in self.store.events(sid, q - 1, 1, q)
        ]
        return {**out.to_dict(), "cited": cited, "backend": getattr(backend, "name", "?")}

    # -- snapshots -----------------------------------------------------------------------
    def snapshot(self, tenant_id: int, sid: str) -> SnapshotRow:
        with self.use(tenant_id, sid) as live:
            return self._snapshot(live)

    def _snapshot(self, live: Live) -> SnapshotRow:
        t0 = time.perf_counter()
        snap = snapshots.take(live.row, live.system, self.settings.snapshot_render_budget)
        snap_id = self.store.add_snapshot(snap, self.settings.snapshot_keep)
        live.since_snapshot, live.ingest_s = 0, 0.0
        live.snapshot_s = time.perf_counter() - t0
        self.metrics.snapshots.inc()
        return SnapshotRow(**{**snap.__dict__, "id": snap_id, "state": None})

    def snapshot_all(self, deadline_s: float) -> int:
        """Snapshot every live session with events since its last snapshot, most recently
        used first, until `deadline_s` seconds have passed (on a clean shutdown, so the next
        start restores from a snapshot with no replay); returns how many were taken."""
        t_end = time.monotonic() + deadline_s
        with self._lock:
            todo = [lv for lv in reversed(self._live.values()) if lv.since_snapshot]
        taken = 0
        for live in todo:
            if time.monotonic() >= t_end:
                break
            with live.lock:
                if live.broken or not live.since_snapshot:
                    continue
                try:
                    self._snapshot(live)
                    taken += 1
                except Exception:
                    log.exception("session %s: snapshot at shutdown failed", live.row.id)
        return taken

    def warm_up(self) -> list[str]:
        """Build one system of each kind the stored sessions use (except those that run an
        LLM), so the model files and libraries the first restore needs are loaded before a
        request waits for them; a server whose sessions are all `window` loads nothing more.
        Returns the systems built."""
        built = []
        for system in self.store.session_systems():
            if system in SYSTEMS and not needs_model(system):
                try:
                    self._build(system)
                    built.append(system)
                except ApiError:
                    pass  # unavailable here: its sessions get the 503 when used
        return built

    # -- live cache and restore ----------------------------------------------------------
    @contextmanager
    def use(self, tenant_id: int, sid: str) -> Iterator[Live]:
        """The tenant's session's `Live`, pinned (never evicted while held) and locked; 404 for
        a session the tenant does not have. A `Live` dropped while this waited for its lock
        (deleted, or its system failed) is never used: the session is looked up again."""
        while True:
            live = self._pin(tenant_id, sid)
            try:
                with live.lock:
                    if not live.broken:
                        yield live
                        return
            finally:
                with self._lock:
                    live.users -= 1
                    self._trim()

    def _pin(self, tenant_id: int, sid: str) -> Live:
        """The session's `Live` with one more user: from the cache, or restored (once).

        Restores of a session are serialised by its loading lock. A thread that waited on a
        loading lock which is no longer the session's current one (its restore finished and
        the lock was released to others) starts over, so two restores of one session never
        run side by side: one of them would hold a head the other's writes made stale."""
        self.row(tenant_id, sid)  # 404 first: existence never leaks, deleted stays deleted
        while True:
            with self._lock:
                hit = self._live.get(sid)
                if hit is not None:
                    hit.users += 1
                    self._live.move_to_end(sid)
                    return hit
                loading = self._loading.setdefault(sid, threading.Lock())
            with loading:  # one restore per session, others wait for it
                with self._lock:
                    if self._loading.get(sid) is not loading:
                        continue  # a restore finished meanwhile: look again
                    hit = self._live.get(sid)
                    if hit is not None:
                        hit.users += 1
                        return hit
                try:
                    row, system = self.restore(tenant_id, sid)
                except BaseException:
                    with self._lock:
                        if self._loading.get(sid) is loading:
                            del self._loading[sid]
                    raise
                with self._lock:  # cached and the loading lock retired in one step
                    # A restored memory is re-grounded with its first write (a snapshot's state
                    # is checksummed: reads need not wait for the pass).
                    hit = Live(
                        row,
                        system,
                        state_bytes=system.stats().state_bytes,
                        since_ground=self.settings.ground_every,
                    )
                    self._live[sid] = hit
                    hit.users += 1
                    if self._loading.get(sid) is loading:
                        del self._loading[sid]
                    self._trim()
                    return hit

    def restore(self, tenant_id: int, sid: str) -> tuple[SessionRow, MemorySystem]:
        """The session's row, read now, and its memory at that row: the newest valid snapshot
        + replay of the rest of the log up to the row's head (in original batches).

        Reading the row here (the caller holds the session's loading lock and no `Live` of
        it exists) and stopping at its head make the replay and the row agree even if a
        batch is committed meanwhile. Raises `ApiError` 500 if the log fails its hash chain:
        memory built from a tampered log is never served; 404 if the session is gone.
        """
        row = self.row(tenant_id, sid)
        system = recovery.rebuild(
            row,
            lambda: self._build(row.system),
            self.store,
            self.metrics,
            lambda: self.row(tenant_id, sid),  # deleted while replaying: 404, not a tamper alarm
        )
        return row, system

    # -- grounding ------------------------------------------------------------------------
    def ground(self, tenant_id: int, sid: str) -> dict[str, Any]:
        """Re-ground the session's memory against its log now, and run the consistency pass:
        what was checked, repaired and dropped, and the conflicts (two current values for
        one subject) its slots hold; 409 when the system quotes nothing it could check."""
        with self.use(tenant_id, sid) as live:
            report = self._ground(sid, live.system)
            if report is None:
                raise ApiError(
                    409, f"system {live.row.system!r} keeps no memory to ground", "session_id"
                )
            live.since_ground = 0
            found = getattr(live.system, "conflicts", None)
            return {
                **report.to_dict(),
                "conflicts": [c.to_dict() for c in found()] if found else [],
            }

    def _ground(self, sid: str, system: MemorySystem) -> Grounding | None:
        """`system` re-grounded against session `sid`'s log, each quoted event checked
        against its chain link (500 naming the seq if the log fails it); None when the system
        does not support grounding."""
        if not isinstance(system, GroundableMemory):
            return None
        report = system.ground(recovery.log_lookup(self.store, sid))
        if not report.clean:
            self.metrics.grounded.labels("repaired").inc(report.repaired)
            self.metrics.grounded.labels("dropped").inc(report.dropped)
            log.warning("session %s: re-grounding changed memory: %s", sid, report.notes)
        return report

    def _remember(self, live: Live) -> None:
        with self._lock:
            self._live[live.row.id] = live
            self._trim()

    def _trim(self) -> None:
        """Evict least recently used sessions down to `max_live_sessions`, skipping pinned
        ones (the caller holds `self._lock`)."""
        excess = len(self._live) - max(1, self.settings.max_live_sessions)
        if excess > 0:
            idle = [sid for sid, lv in self._live.items() if lv.users == 0][:excess]
            for sid in idle:
                del self._live[sid]
        self.metrics.sessions.set(len(self._live))

    def _forget(self, live: Live) -> None:
        """Drop `live` from the cache (only that one: a newer `Live` of its session stays)."""
        with self._lock:
            if self._live.get(live.row.id) is live:
                del self._live[live.row.id]
            self.metrics.sessions.set(len(self._live))

    def state_bytes(self) -> int:
        with self._lock:
            return sum(lv.state_bytes for lv in self._live.values())
