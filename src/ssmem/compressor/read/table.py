"""The slot table as arrays for reading: built once per ingest, shared by every query.

Slots change only when events are ingested, so the learned keys, the static text vectors,
each slot's text analysis and its usefulness are stacked once per memory version instead of
once per query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ssmem.compressor.store.slots import Slot
from ssmem.text import Analysis


@dataclass(frozen=True)
class SlotTable:
    version: int  # events ingested when it was built
    slots: list[Slot]
    keys: np.ndarray  # (N, d_key) learned keys
    texts: np.ndarray  # (N, 384) static text vectors
    analyses: list[Analysis]
    base: np.ndarray  # (N,) usefulness at the last event
    not_constraint: np.ndarray  # (N,) 0 for a constraint (ranked first), else 1
    open: np.ndarray  # (N,) 1.0 for an unresolved loop
    last_seen: np.ndarray  # (N,) seq a slot was last seen at

    @classmethod
    def build(cls, version: int, slots: list[Slot], base: np.ndarray) -> SlotTable:
        empty = np.zeros(0)
        if not slots:
            return cls(
                version, [], np.zeros((0, 0)), np.zeros((0, 0)), [], base, empty, empty, empty
            )
        keys = np.stack([s.key for s in slots])
        texts = np.stack([s.text_vec for s in slots])
        not_constraint = np.array([s.type != "constraint" for s in slots], dtype=np.int8)
        is_open = np.array([s.status == "open" for s in slots], dtype=np.float64)
        last_seen = np.array([s.last_seen for s in slots], dtype=np.int64)
        analyses = [s.analysis for s in slots]
        return cls(version, slots, keys, texts, analyses, base, not_constraint, is_open, last_seen)
