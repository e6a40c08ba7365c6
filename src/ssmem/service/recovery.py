"""Memory from the log: a session's memory rebuilt (newest valid snapshot + replay of the
rest) and the chain-checked event lookup re-grounding uses.

Both read the hash-chained log through the store and refuse a log that fails its chain
(500 naming the seq): memory built from, or checked against, a tampered log is never served.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from ssmem.events import Event
from ssmem.service import eventlog, snapshots
from ssmem.service.errors import ApiError
from ssmem.service.metrics import Metrics
from ssmem.service.store import SessionRow, Store
from ssmem.systems import MemorySystem
from ssmem.systems.grounding import LogLookup

log = logging.getLogger("ssmem.service")


def tampered(seq: int) -> ApiError:
    return ApiError(500, f"event log fails its hash chain at seq {seq}", "session_id")


def rebuild(
    row: SessionRow,
    build: Callable[[], MemorySystem],
    store: Store,
    metrics: Metrics,
    still_there: Callable[[], object],
) -> MemorySystem:
    """Session `row`'s memory at its head: the newest valid snapshot (a snapshot that fails
    its checksum or chain, or whose state does not import, is marked corrupt) + a replay of
    the events after it up to `row.last_seq`, in their original batches. Events committed
    after `row` was read are left out. Before the 500 for a log that does not end at the
    row's chain head, `still_there()` is called (it raises the 404 of a session deleted
    meanwhile)."""
    system = build()
    after, chain = -1, eventlog.genesis(row.id)
    if hasattr(system, "import_state"):
        for meta in reversed(store.snapshots(row.id)):
            if meta.status != "ok" or meta.upto_seq > row.last_seq:
                continue
            snap = store.snapshot(row.id, meta.id, with_state=True)
            why = snapshots.verify(snap, row.system, store) if snap else "vanished"
            if why is None and snap is not None and snap.state is not None:
                try:
                    system.import_state(snap.state)  # type: ignore[attr-defined]
                    after, chain = snap.upto_seq, snap.chain
                    break
                except ValueError as err:
                    why = f"state unreadable: {err}"
                system = build()
            log.warning("session %s: snapshot %s not used: %s", row.id, meta.id, why)
            if why and "no state" not in why:
                store.mark_snapshot(meta.id, "corrupt")
                metrics.corrupt.inc()
    batch: list[Event] = []
    batch_no = None
    for ev in store.iter_events(row.id, after):
        if ev.seq > row.last_seq:  # committed after the row was read: not in this memory
            break
        chain = eventlog.chain_next(chain, ev.body)
        if chain != ev.chain:
            raise tampered(ev.seq)
        if batch and ev.batch != batch_no:
            system.ingest(batch)
            batch = []
        batch_no = ev.batch
        batch.append(eventlog.event_from_body(ev.body))
        metrics.replayed.inc()
    if batch:
        system.ingest(batch)
    if chain != row.chain:
        still_there()
        raise ApiError(500, "event log does not end at the session's chain head", "session_id")
    return system


def log_lookup(store: Store, sid: str) -> LogLookup:
    """`lookup(seqs)`: the logged events of `seqs` session `sid` has, each checked against
    its chain link on its own (500 naming the seq when one fails)."""
    genesis = eventlog.genesis(sid)

    def lookup(seqs: Sequence[int]) -> dict[int, Event]:
        truth = {}
        for row, prev in store.events_at(sid, seqs):
            if eventlog.chain_next(prev or genesis, row.body) != row.chain:
                raise tampered(row.seq)
            truth[row.seq] = eventlog.event_from_body(row.body)
        return truth

    return lookup


__all__ = ["log_lookup", "rebuild", "tampered"]
