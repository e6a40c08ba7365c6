"""Notes on raw lines whose value the memory knows (or reads) to be superseded.

The window and retrieved snippets are verbatim events; some state a value that a later
event replaced. The materializer knows which (slot histories): such a line gets
`superseded_by`; failing that, a line read-time consolidation found older than another
gets `probably_superseded_by`. The reader sees the old wording, but not as current.
"""

from __future__ import annotations

from collections.abc import Callable

from ssmem.compressor.policy import SupersedePolicy
from ssmem.compressor.read.consolidate import Newer
from ssmem.compressor.store.slots import Slot
from ssmem.context import Line


def superseded_map(
    slots: dict[int, Slot], policy: SupersedePolicy | None = None
) -> dict[int, Newer]:
    """seq of every superseded version -> the slot's current version, with its source when
    the policy flags the pair (another source's value replaced; a resolution never is).
    The write path already refused what the policy does not allow."""
    policy = policy or SupersedePolicy()
    out: dict[int, Newer] = {}
    for s in slots.values():
        cur, resolves = s.current, s.status == "resolved"
        for v in s.history:
            cross = policy.judge(v.source, cur.source, s.type, resolves).cross_source
            out[v.seq] = Newer(cur.seq, cur.source if cross else None)
    return out


def marker(superseded: dict[int, Newer], probable: dict[int, Newer]) -> Callable[[Line], Line]:
    """A function that adds the supersession notes a line's seq calls for."""

    def note(line: Line) -> Line:
        seq = line.seq
        if seq in superseded:
            n = superseded[seq]
            return line.with_notes(superseded_by=n.seq, superseding_source=n.flagged_source)
        if seq in probable:
            n = probable[seq]
            return line.with_notes(
                probably_superseded_by=n.seq, superseding_source=n.flagged_source
            )
        return line

    return note
