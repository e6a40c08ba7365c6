"""The event log's rules: canonical bodies, the hash chain, and idempotent batch planning.

Every stored event carries ``chain = sha256(previous chain + "\\n" + body)`` starting from a
per-session genesis, so the head hash commits to the whole log and a snapshot's chain ties it
to the exact events it covers. `plan_batch` validates a whole batch before anything is
written: a rejected batch writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ssmem.adapters import event_from_obj
from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.service.errors import ApiError
from ssmem.service.settings import Limits
from ssmem.service.store import EventRow, SessionRow, Store


def canonical(event: Event) -> str:
    """The stored form of an event: sorted-key compact JSON, Unicode kept (raises on surrogates)."""
    body = json.dumps(event.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    body.encode("utf-8")
    return body


def event_from_body(body: str) -> Event:
    return Event(**json.loads(body))


def genesis(session_id: str) -> str:
    return hashlib.sha256(f"ssmem-chain-v1:{session_id}".encode()).hexdigest()


def chain_next(prev: str, body: str) -> str:
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


def request_hash(raw_events: list[Any]) -> str:
    text = json.dumps(raw_events, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BatchPlan:
    """What a batch will do: `rows` to append (chained), `events` to feed memory, duplicates."""

    rows: list[EventRow]
    events: list[Event]
    duplicates: int
    first_seq: int | None
    last_seq: int | None


def plan_batch(raw_events: list[Any], head: SessionRow, limits: Limits, store: Store) -> BatchPlan:
    """Validate and chain a batch against the session head. Raises `ApiError` (nothing written).

    Seqs are client-supplied or assigned (previous + 1) and must increase strictly within a
    batch. An event whose seq is already stored is a duplicate if it is identical (a retried
    batch), else a 409 conflict; duplicates must precede new events.
    """
    if len(raw_events) > limits.max_batch_events:
        raise ApiError(
            413, f"{len(raw_events)} events > max_batch_events {limits.max_batch_events}", "events"
        )
    parsed: list[tuple[Event, str]] = []
    prev = head.last_seq
    for i, obj in enumerate(raw_events):
        where = f"events[{i}]"
        try:
            ev = event_from_obj(obj, prev + 1, "events", i)
        except InputError as err:
            raise ApiError(
                422, err.problem, f"{where}.{err.field}" if err.field else where
            ) from None
        except ValueError as err:  # Event's own invariants
            raise ApiError(422, str(err), where) from None
        try:
            body = canonical(ev)
        except (UnicodeEncodeError, ValueError):
            raise ApiError(422, "not valid Unicode (lone surrogate)", where) from None
        size = len(body.encode())
        if size > limits.max_event_bytes:
            raise ApiError(413, f"event is {size} bytes > max_event_bytes", where)
        if parsed and ev.seq <= parsed[-1][0].seq:
            raise ApiError(
                422,
                f"seq {ev.seq} does not increase (previous {parsed[-1][0].seq})",
                where + ".seq",
            )
        parsed.append((ev, body))
        prev = ev.seq
    dups = [(i, ev, body) for i, (ev, body) in enumerate(parsed) if ev.seq <= head.last_seq]
    if dups:
        lo, hi = dups[0][1].seq, dups[-1][1].seq
        stored = {r.seq: r.body for r in store.events(head.id, lo - 1, hi - lo + 1, hi)}
        for i, ev, body in dups:
            if stored.get(ev.seq) != body:
                what = "a different event" if ev.seq in stored else "no event (seqs moved past it)"
                raise ApiError(
                    409, f"seq {ev.seq} is already committed and holds {what}", f"events[{i}].seq"
                )
    new = parsed[len(dups) :]
    rows: list[EventRow] = []
    chain = head.chain
    batch = head.n_batches
    for ev, body in new:
        chain = chain_next(chain, body)
        rows.append(EventRow(ev.seq, batch, body, chain))
    return BatchPlan(
        rows=rows,
        events=[ev for ev, _ in new],
        duplicates=len(dups),
        first_seq=parsed[0][0].seq if parsed else None,
        last_seq=parsed[-1][0].seq if parsed else None,
    )
