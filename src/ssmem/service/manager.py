"""The session manager: live `MemorySystem`s per session, kept equal to the committed log.

Order of an ingest, under the session's lock: validate the whole batch, commit it (events +
head + idempotency key in one transaction), then feed the new events to memory. Memory is
therefore always a function of the committed log; on a cold start (or after eviction) it is
restored from the newest valid snapshot and the events after it, replayed in their original
batches. Any system registered in `ssmem.systems` can be served; snapshots of state are used
only for systems implementing `SnapshotableMemory`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.service import eventlog, snapshots
from ssmem.service.errors import ApiError, not_found
from ssmem.service.metrics import Metrics
from ssmem.service.reader import Reader
from ssmem.service.settings import ServiceSettings
from ssmem.service.store import SessionRow, SnapshotRow, StaleWrite, Store
from ssmem.systems import SYSTEMS, Context, MemorySystem, make_system, probe

log = logging.getLogger("ssmem.service")
SESSION_ID = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16); anything else cannot exist


@dataclass
class Live:
    row: SessionRow
    system: MemorySystem
    lock: threading.Lock = field(default_factory=threading.Lock)
    since_snapshot: int = 0
    broken: bool = False
    state_bytes: int = 0  # last seen, for /metrics without touching a busy system


class SessionManager:
    def __init__(self, store: Store, settings: ServiceSettings, metrics: Metrics) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._live: OrderedDict[str, Live] = OrderedDict()
        self._loading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    # -- sessions ------------------------------------------------------------------------
    def create(
        self, tenant_id: int, name: str, system: str, budget: int | None = None
    ) -> SessionRow:
        if system not in SYSTEMS:
            raise ApiError(
                422, f"unknown system (available: {', '.join(sorted(SYSTEMS))})", "system"
            )
        mem = self._build(system)
        sid = secrets.token_hex(16)
        head = (-1, 0, 0, eventlog.genesis(sid))  # empty: last_seq, events, batches, chain
        row = SessionRow(sid, tenant_id, name, system, time.time(), *head, budget)
        self.store.create_session(row)
        self._remember(Live(row, mem))
        return row

    @staticmethod
    def _build(system: str) -> MemorySystem:
        """A fresh system; 503 when a registered one cannot load here (e.g. no checkpoint)."""
        try:
            return make_system(system)
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
            self._forget(sid)

    # -- ingest and reads ----------------------------------------------------------------
    def ingest(
        self, tenant_id: int, sid: str, raw: list[Any], key: str | None, transport: str
    ) -> dict[str, Any]:
        t0 = time.perf_counter()
        live = self.live(self.row(tenant_id, sid))
        with live.lock:
            if live.broken:
                raise not_found("session", "session_id")
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
                self._forget(sid)
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
        try:
            live.system.ingest(events)
        except Exception:
            live.broken = True
            self._forget(live.row.id)
            log.exception("memory system %s failed on ingest; will rebuild", live.row.system)
            raise
        live.since_snapshot += len(events)
        live.state_bytes = live.system.stats().state_bytes
        every = self.settings.snapshot_every
        if every and live.since_snapshot >= every:
            try:  # an optimisation only: the batch is committed, so never fail it for this
                self._snapshot(live)
            except Exception:
                log.exception("session %s: automatic snapshot failed", live.row.id)

    def context(
        self, tenant_id: int, sid: str, query: str, budget: int
    ) -> tuple[Context, dict[str, int]]:
        """The context for `query` within `budget`, and the system's stats, read together."""
        t0 = time.perf_counter()
        live = self.live(self.row(tenant_id, sid))
        with live.lock:
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
        live = self.live(self.row(tenant_id, sid))
        with live.lock:
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
        live = self.live(self.row(tenant_id, sid))
        with live.lock:
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
        live = self.live(self.row(tenant_id, sid))
        with live.lock:
            return self._snapshot(live)

    def _snapshot(self, live: Live) -> SnapshotRow:
        snap = snapshots.take(live.row, live.system, self.settings.snapshot_render_budget)
        snap_id = self.store.add_snapshot(snap, self.settings.snapshot_keep)
        live.since_snapshot = 0
        self.metrics.snapshots.inc()
        return SnapshotRow(**{**snap.__dict__, "id": snap_id, "state": None})

    # -- live cache and restore ----------------------------------------------------------
    def live(self, row: SessionRow) -> Live:
        with self._lock:
            hit = self._live.get(row.id)
            if hit is not None:
                self._live.move_to_end(row.id)
                return hit
            loading = self._loading.setdefault(row.id, threading.Lock())
        try:
            with loading:  # one restore per session, others wait for it
                with self._lock:
                    hit = self._live.get(row.id)
                if hit is None:
                    system = self.restore(row)
                    hit = Live(row, system, state_bytes=system.stats().state_bytes)
                    self._remember(hit)
        finally:
            with self._lock:
                self._loading.pop(row.id, None)
        return hit

    def restore(self, row: SessionRow) -> MemorySystem:
        """Newest valid snapshot + replay of the rest of the log (in original batches).

        Raises `ApiError` 500 if the log itself fails its hash chain: memory built from a
        tampered log is never served.
        """
        system = self._build(row.system)
        after, chain = -1, eventlog.genesis(row.id)
        if hasattr(system, "import_state"):
            for meta in reversed(self.store.snapshots(row.id)):
                if meta.status != "ok" or meta.upto_seq > row.last_seq:
                    continue
                snap = self.store.snapshot(row.id, meta.id, with_state=True)
                why = snapshots.verify(snap, row.system, self.store) if snap else "vanished"
                if why is None and snap is not None and snap.state is not None:
                    try:
                        system.import_state(snap.state)  # type: ignore[attr-defined]
                        after, chain = snap.upto_seq, snap.chain
                        break
                    except ValueError as err:
                        why = f"state unreadable: {err}"
                    system = self._build(row.system)
                log.warning("session %s: snapshot %s not used: %s", row.id, meta.id, why)
                if why and "no state" not in why:
                    self.store.mark_snapshot(meta.id, "corrupt")
                    self.metrics.corrupt.inc()
        batch: list[Event] = []
        batch_no = None
        for ev in self.store.iter_events(row.id, after):
            chain = eventlog.chain_next(chain, ev.body)
            if chain != ev.chain:
                raise ApiError(500, f"event log fails its hash chain at seq {ev.seq}", "session_id")
            if batch and ev.batch != batch_no:
                system.ingest(batch)
                batch = []
            batch_no = ev.batch
            batch.append(eventlog.event_from_body(ev.body))
            self.metrics.replayed.inc()
        if batch:
            system.ingest(batch)
        if chain != row.chain:
            raise ApiError(500, "event log does not end at the session's chain head", "session_id")
        return system

    def _remember(self, live: Live) -> None:
        with self._lock:
            self._live[live.row.id] = live
            while len(self._live) > max(1, self.settings.max_live_sessions):
                self._live.popitem(last=False)
            self.metrics.sessions.set(len(self._live))

    def _forget(self, sid: str) -> None:
        with self._lock:
            self._live.pop(sid, None)
            self.metrics.sessions.set(len(self._live))

    def state_bytes(self) -> int:
        with self._lock:
            return sum(lv.state_bytes for lv in self._live.values())
