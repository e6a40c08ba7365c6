"""Shared helpers for materializer-level tests: events with hand-set head outputs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from ssmem.compressor.store.slots import TYPES
from ssmem.compressor.write.materializer import Attribution, Decision, Materializer
from ssmem.events import Event

KEY_DIM = 8

Feed = Callable[..., Decision]


def _feed(
    m: Materializer,
    seq: int,
    text: str,
    type_: str,
    key: int,
    update: bool = False,
    attach: int | None = None,
    names: bool = False,
    source: str = "s",
) -> Decision:
    """Apply one event whose heads say, confidently: this type, key one-hot at `key`
    (of `KEY_DIM`), the update head on or off; with `attach`, the attribution heads say
    whether the event `names` what it is about and point one-hot at `attach` (None: no
    attribution heads); from `source`; utility neutral, no text vector."""
    type_logits = np.full(len(TYPES), -5.0, dtype=np.float32)
    type_logits[TYPES.index(type_)] = 5.0
    onehot = np.eye(KEY_DIM, dtype=np.float32)
    attribution = None if attach is None else Attribution(onehot[attach], 5.0 if names else -5.0)
    return m.apply(
        Event(seq=seq, text=text, source=source),
        type_logits,
        onehot[key],
        5.0 if update else -5.0,
        0.0,
        np.zeros(384, dtype=np.float32),
        attribution,
    )


@pytest.fixture
def feed() -> Feed:
    return _feed
