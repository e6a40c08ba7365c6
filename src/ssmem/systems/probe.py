"""Asking a memory what it holds: the slots about a subject, and one slot's history.

Only systems that keep slots (the SSM compressor and those built on it, such as `hybrid`)
can answer; for any other system both functions raise `NoSlots`, naming the system. The
answers are the slots' own dicts (`Slot.to_dict`): the current value with its seq and
source, every superseded value oldest first with why it was replaced, and the event that
opened the slot when it is not the current one.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ssmem.compressor.read.consolidate import probably_superseded
from ssmem.errors import InputError
from ssmem.systems.base import MemorySystem

if TYPE_CHECKING:
    from ssmem.systems.ssm import SSMMemory


class NoSlots(InputError):
    """The system keeps no slots (window, rag, full, summary)."""


def slot_memory(system: MemorySystem) -> SSMMemory:
    """The compressor behind `system` (itself, or the `ssm` part of a hybrid)."""
    # Looked up, not imported: a process that never built a compressor (a server with only
    # window sessions) has no SSMMemory to find, and must not load torch to say so.
    module = sys.modules.get("ssmem.systems.ssm")
    cls = getattr(module, "SSMMemory", None)
    inner = system if cls is not None and isinstance(system, cls) else getattr(system, "ssm", None)
    if cls is None or not isinstance(inner, cls):
        name = getattr(system, "name", type(system).__name__)
        raise NoSlots(
            f"system {name!r} keeps no slots (only ssm, hybrid and their variants do); "
            "ask for a context instead"
        )
    return inner


def probe(system: MemorySystem, about: str, limit: int = 5) -> list[dict[str, Any]]:
    """The `limit` slots most relevant to `about`, by relevance alone (unlike a context,
    constraints are not put first: this answers "what about X"), ties in the memory's read
    order; each with its `score` and, when read-time consolidation thinks a newer event
    replaced it, `probably_superseded_by` (that seq; with `probably_superseded_by_source`
    when another source stated it and the supersession policy flags that)."""
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    view = slot_memory(system).memory()
    reading = view.read(about)
    scores = view.scores(about)
    best = sorted(reading.ranked, key=lambda s: -scores.get(s.id, 0.0))[:limit]
    return [
        {
            **s.to_dict(),
            "score": round(scores.get(s.id, 0.0), 4),
            **probably_superseded(reading.older.get(s.id)),
        }
        for s in best
    ]


def history(system: MemorySystem, seq: int) -> dict[str, Any] | None:
    """The slot that holds or held event `seq` (as its current value, a superseded one or
    its opener), or None when no slot does (the event was dropped, evicted, or not seen)."""
    for s in slot_memory(system).materializer.slots.values():
        if seq in s.seqs or (s.opened is not None and s.opened.seq == seq):
            return s.to_dict()
    return None
