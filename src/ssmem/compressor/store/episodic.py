"""Episodic memory: snapshots of the slot table at three timescales, and deltas.

Every `recent` events a snapshot is taken (kept: the last `keep` of them); every `episode`
events one goes to the episode ring, every `session` events to the session ring. A snapshot
records which slots existed with which current seq, plus M latent vectors from the SSM state,
so `delta(a, b)` can say what was created, updated, resolved or evicted in between.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ssmem.compressor.store.slots import Slot

SCALES = ("recent", "episode", "session")


@dataclass(frozen=True)
class Snapshot:
    seq: int  # last event covered
    scale: str
    slots: dict[int, tuple[int, str]]  # slot id -> (current seq, status)
    latent: np.ndarray  # (M, D) latent memory vectors at that point

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "scale": self.scale, "n_slots": len(self.slots)}


@dataclass
class EpisodicConfig:
    recent: int = 32
    episode: int = 512
    session: int = 8192
    keep: int = 8  # snapshots kept per scale (bounded memory)


@dataclass
class Delta:
    since: int
    until: int
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    evicted: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "created": self.created,
            "updated": self.updated,
            "resolved": self.resolved,
            "evicted": self.evicted,
        }


class Episodic:
    def __init__(self, config: EpisodicConfig | None = None) -> None:
        self.config = config or EpisodicConfig()
        self.rings: dict[str, deque[Snapshot]] = {s: deque(maxlen=self.config.keep) for s in SCALES}
        self.count = 0

    def observe(self, seq: int, slots: dict[int, Slot], latent_fn) -> None:
        """Call once per event; takes the snapshots that fall due (latent computed lazily)."""
        self.count += 1
        due = [s for s in SCALES if self.count % getattr(self.config, s) == 0]
        if not due:
            return
        table = {i: (s.current.seq, s.status) for i, s in slots.items()}
        latent = latent_fn()
        for scale in due:
            self.rings[scale].append(Snapshot(seq, scale, table, latent))

    def snapshots(self) -> list[Snapshot]:
        return sorted((s for ring in self.rings.values() for s in ring), key=lambda s: s.seq)


def delta(
    before: dict[int, tuple[int, str]], after: dict[int, Slot], since: int, until: int
) -> Delta:
    """What changed between a snapshot's slot table and the live slots."""
    d = Delta(since, until)
    for i, slot in after.items():
        if i not in before:
            d.created.append(i)
        elif slot.current.seq != before[i][0]:
            (
                d.resolved if slot.status == "resolved" and before[i][1] == "open" else d.updated
            ).append(i)
    d.evicted = sorted(set(before) - set(after))
    return d
