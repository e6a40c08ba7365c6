"""Snapshots: a memory state (when the system can export one) plus a rendering, tied by
checksum to the hash chain of the events it covers.

``checksum = sha256(system, upto_seq, chain at upto_seq, state)``. A snapshot is used to
restore only if the checksum matches AND the log still has that chain at `upto_seq`; any
other snapshot is marked corrupt and memory is rebuilt by replay.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from typing import Any

from ssmem.service.store import SessionRow, SnapshotRow, Store
from ssmem.systems import MemorySystem
from ssmem.systems.snapshot import supports_snapshots


def checksum(system: str, upto_seq: int, chain: str, state: bytes | None) -> str:
    h = hashlib.sha256(f"ssmem-snapshot-v1\n{system}\n{upto_seq}\n{chain}\n".encode())
    if state is not None:
        h.update(state)
    return h.hexdigest()


def take(head: SessionRow, system: MemorySystem, render_budget: int) -> SnapshotRow:
    """A snapshot of `system` after it ingested exactly the events up to `head`."""
    state = system.export_state() if supports_snapshots(system) else None
    stats = system.stats()
    return SnapshotRow(
        id=0,
        session_id=head.id,
        upto_seq=head.last_seq,
        n_events=head.n_events,
        created=time.time(),
        chain=head.chain,
        checksum=checksum(head.system, head.last_seq, head.chain, state),
        rendering=system.context("", render_budget).render(),
        state_bytes=stats.state_bytes,
        status="ok",
        state=state,
    )


def verify(snap: SnapshotRow, system: str, store: Store) -> str | None:
    """None if `snap` (loaded with its state) may restore memory, else why not."""
    if snap.state is None:
        return "has no state (this system restores by replay)"
    if checksum(system, snap.upto_seq, snap.chain, snap.state) != snap.checksum:
        return "checksum mismatch"
    rows = store.events(snap.session_id, snap.upto_seq - 1, 1, snap.upto_seq)
    if snap.upto_seq >= 0 and (not rows or rows[0].chain != snap.chain):
        return "chain does not match the event log"
    return None


def describe(snap: SnapshotRow) -> dict[str, Any]:
    return {
        "id": snap.id,
        "upto_seq": snap.upto_seq,
        "events": snap.n_events,
        "created": snap.created,
        "chain": snap.chain,
        "checksum": snap.checksum,
        "state_bytes": snap.state_bytes,
        "status": snap.status,
    }


def diff(a: SnapshotRow, b: SnapshotRow) -> dict[str, Any]:
    """What changed from snapshot `a` to `b`: events between, state size, rendering diff."""
    lines = list(
        difflib.unified_diff(
            a.rendering.splitlines(),
            b.rendering.splitlines(),
            f"snapshot/{a.id}",
            f"snapshot/{b.id}",
            lineterm="",
        )
    )
    return {
        "from": describe(a),
        "to": describe(b),
        "events_between": b.n_events - a.n_events,
        "seq_range": [a.upto_seq, b.upto_seq],
        "state_bytes_delta": b.state_bytes - a.state_bytes,
        "added": [ln[1:] for ln in lines if ln.startswith("+") and not ln.startswith("+++")],
        "removed": [ln[1:] for ln in lines if ln.startswith("-") and not ln.startswith("---")],
        "unified_diff": "\n".join(lines),
    }
