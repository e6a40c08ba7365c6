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

    @classmethod
    def build(cls, version: int, slots: list[Slot], base: np.ndarray) -> SlotTable:
        if not slots:
            return cls(version, [], np.zeros((0, 0)), np.zeros((0, 0)), [], base)
        keys = np.stack([s.key for s in slots])
        texts = np.stack([s.text_vec for s in slots])
        return cls(version, slots, keys, texts, [s.analysis for s in slots], base)
