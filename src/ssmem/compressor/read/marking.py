"""Notes on raw lines whose value the memory knows (or reads) to be superseded.

The window and retrieved snippets are verbatim events; some state a value that a later
event replaced. The materializer knows which (slot histories): such a line gets
`superseded_by`; failing that, a line read-time consolidation found older than another
gets `probably_superseded_by`. The reader sees the old wording, but not as current.
"""

from __future__ import annotations

from collections.abc import Callable

from ssmem.compressor.store.slots import Slot
from ssmem.context import Line


def superseded_map(slots: dict[int, Slot]) -> dict[int, int]:
    """seq of every superseded version -> seq of the slot's current version."""
    return {v.seq: s.current.seq for s in slots.values() for v in s.history}


def marker(superseded: dict[int, int], probable: dict[int, int]) -> Callable[[Line], Line]:
    """A function that adds the supersession notes a line's seq calls for."""

    def note(line: Line) -> Line:
        seq = line.seq
        if seq in superseded:
            return line.with_notes(superseded_by=superseded[seq])
        if seq in probable:
            return line.with_notes(probably_superseded_by=probable[seq])
        return line

    return note
