"""One relevance order for the hybrid's prompt: memory lines and retrieved hits, ranked by
the retriever.

The hybrid used to split its budget between the memory and retrieval by a share taken from
the memory's confidence. On real text that confidence said nothing about whether the memory
held the answer, and memory lines the question did not need took budget retrieval would have
spent on evidence. Here no share is set. The retriever ranks the raw log for the question
(BM25 + dense, fused), and:

- a memory line is as relevant as the best-ranked hit holding any event it quotes (its
  current value, the values it replaced, the event that opened its slot, the thread an
  implicit update pointed at): memory never outranks what it is made of, and a line with
  nothing relevant behind it takes no budget while ranked hits are left;
- at each rank, the memory lines come before the raw hit: they show the same events with
  what the memory knows of them (current or superseded, what they are about), and the hit
  keeps only the lines not shown yet;
- a hit larger than the room left contributes the lines that share most words with the
  question and fit (as `rag` packs);
- the memory's own first lines, within `lead` of the room, also keep the rank the memory
  gave them (line j of the memory ranks at j at worst): what the state ranks first (a cause
  long before its effect, the value before an update) is shown even when the question's
  words miss it, and a long line of no relevance cannot take more than that share;
- memory lines with no ranked event follow, in the memory's own order, if room is left.

Constraints are outside this order: the hybrid puts them in every context before it merges.
The function decides nothing else; marking and the order lines are shown in are the
caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ssmem.context import Line, render_line, render_lines
from ssmem.context.pack import shorten
from ssmem.systems.rag import Block
from ssmem.tokens import TokenCounter


@dataclass(frozen=True)
class Merged:
    """What the merge took: memory lines (in the order taken), retrieved lines (in stream
    order) and the tokens both take, each line counted with one newline."""

    memory: tuple[Line, ...]
    retrieved: tuple[Line, ...]
    tokens: int


def rank_positions(hits: Sequence[Block]) -> dict[int, int]:
    """Each event's best rank: the position of the first hit that holds it."""
    pos: dict[int, int] = {}
    for i, block in enumerate(hits):
        for line in block:
            pos.setdefault(line.seq, i)
    return pos


def merge(
    query: str,
    memory: Sequence[Line],
    hits: Sequence[Block],
    room: int,
    counter: TokenCounter,
    shown: set[int] | None = None,
    fit=None,
    lead: float = 0.0,
) -> Merged:
    """Memory lines (the memory's order) and retrieved hits (best first) within `room`
    tokens, in one relevance order (module doc); `lead` is the share of the room the
    memory's first lines may hold at their own rank. Events in `shown` (e.g. the recent
    window) are not retrieved again. `fit(query, lines, room) -> Block` picks from a hit too
    large for the room left (default: nothing)."""
    shown = set(shown or ())
    first, spent = 0, 0  # the memory's first lines within `lead` of the room
    for line in memory:
        spent += counter.count(render_line(line)) + 1
        if spent > lead * room:
            break
        first += 1
    order = _order(memory, hits, first)
    taken_mem: list[Line] = []
    taken_raw: list[Line] = []
    used = 0
    for item in order:
        if room - used <= 8:
            break
        if isinstance(item, Line):
            line = item
            n = counter.count(render_line(line)) + 1
            if used + n > room:
                short = shorten(line, room - used - 1, counter, None)  # without its trace
                if short is None:
                    continue
                line, n = short, counter.count(render_line(short)) + 1
            taken_mem.append(line)
            shown.update(line.provenance())
            used += n
            continue
        lines = tuple(x for x in item if x.seq not in shown)
        if not lines:
            continue
        n = counter.count(render_lines(lines)) + 1
        if used + n > room:
            lines = fit(query, list(lines), room - used) if fit is not None else ()
            n = counter.count(render_lines(lines)) + 1 if lines else 0
        if lines and used + n <= room:
            taken_raw.extend(lines)
            shown.update(x.seq for x in lines)
            used += n
    retrieved = tuple(sorted(taken_raw, key=lambda x: x.seq))
    return Merged(tuple(taken_mem), retrieved, used)


def _order(memory: Sequence[Line], hits: Sequence[Block], first: int) -> list[Line | Block]:
    """Memory lines and hits in the one order the merge takes them (module doc); the
    memory's `first` lines rank at their own position when the retriever ranks them lower.
    Ties: a memory line before a hit, then the memory's or the retriever's order."""
    pos = rank_positions(hits)
    best = [min((pos[q] for q in x.provenance() if q in pos), default=None) for x in memory]
    keyed: list[tuple[float, int, int, Line | Block]] = []
    for j, (line, r) in enumerate(zip(memory, best, strict=True)):
        ranks = [x for x in (r, j if j < first else None) if x is not None]
        keyed.append((min(ranks) if ranks else float("inf"), 0, j, line))
    keyed += [(float(i), 1, i, block) for i, block in enumerate(hits)]
    return [item for *_, item in sorted(keyed, key=lambda x: x[:3])]
