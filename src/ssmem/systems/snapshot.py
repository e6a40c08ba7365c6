"""Optional protocol: a memory system that can export its state and import it back exactly.

The service uses it to restore a session from a snapshot instead of replaying the whole log.
Systems without it are restored by replay, so implementing it is an optimisation only.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SnapshotableMemory(Protocol):
    """Contract: for a fresh system `b` of the same name and settings,
    ``b.import_state(a.export_state())`` leaves `b` indistinguishable from `a`: every later
    `ingest`, `context` and `stats` call gives the same result on both. `export_state` is
    deterministic (same state, same bytes) and never pickles; `import_state` raises
    `ValueError` on bytes it cannot read and is only called on a fresh system.
    """

    def export_state(self) -> bytes: ...

    def import_state(self, data: bytes) -> None: ...


def supports_snapshots(system: object) -> bool:
    return isinstance(system, SnapshotableMemory)


__all__ = ["SnapshotableMemory", "supports_snapshots"]
