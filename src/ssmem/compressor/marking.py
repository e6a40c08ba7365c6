"""Marking raw lines whose value the memory knows to be superseded.

The window and retrieved snippets are verbatim events; some state a value that a later
event replaced. The materializer knows which (slot histories), so each such line gets
``(superseded by #N)`` appended: the reader sees the old wording, but not as current.
"""

from __future__ import annotations

import re

from ssmem.compressor.slots import Slot
from ssmem.systems.base import Segment
from ssmem.tokens import TokenCounter

_SEQ = re.compile(r"^…?\[#(\d+)\]")


def line_seq(line: str) -> int | None:
    """The seq of a rendered event line (``[#seq] ...``, or ``…[#seq] ...`` when the window
    cut its start), or None for any other line."""
    m = _SEQ.match(line)
    return int(m.group(1)) if m else None


def superseded_map(slots: dict[int, Slot]) -> dict[int, int]:
    """seq of every superseded version -> seq of the slot's current version."""
    return {v.seq: s.current.seq for s in slots.values() for v in s.history}


def mark(
    segment: Segment,
    superseded: dict[int, int],
    counter: TokenCounter,
    probable: dict[int, int] | None = None,
) -> Segment:
    """`segment` with every line whose seq is in `superseded` marked ``(superseded by #N)``
    and, failing that, every line in `probable` (read-time consolidation) marked
    ``(probably superseded by #N)``."""
    probable = probable or {}
    if not (superseded or probable) or not segment.text:
        return segment
    out = []
    changed = False
    for line in segment.text.split("\n"):
        seq = line_seq(line)
        if seq in superseded:
            line = f"{line} (superseded by #{superseded[seq]})"
            changed = True
        elif seq in probable:
            line = f"{line} (probably superseded by #{probable[seq]})"
            changed = True
        out.append(line)
    if not changed:
        return segment
    text = "\n".join(out)
    return Segment(segment.kind, segment.seqs, text, counter.count(text))
