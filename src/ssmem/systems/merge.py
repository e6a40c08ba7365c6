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
from ssmem.tokens import TokenCounter

Block = tuple[Line, ...]


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
    lead: int = 0,
) -> Merged:
    """Memory lines and retrieved hits (best first) within `room` tokens, in one relevance
    order (module doc). Events in `shown` (e.g. the recent window) are not retrieved again.
    `fit(query, lines, room) -> Block` picks from a hit too large for the room left (default:
    nothing)."""
    shown = set(shown or ())
    pos = rank_positions(hits)
    at: dict[int, list[Line]] = {}
    unranked: list[Line] = []
    for i, line in enumerate(memory):
        ranks = [pos[q] for q in line.provenance() if q in pos]
        if i < lead:
            ranks.append(i)
        if ranks:
            at.setdefault(min(ranks), []).append(line)
        else:
            unranked.append(line)
    taken_mem: list[Line] = []
    taken_raw: list[Line] = []
    used = 0

    def take(line: Line) -> None:
        nonlocal used
        n = counter.count(render_line(line)) + 1
        if used + n > room:
            short = shorten(line, room - used - 1, counter, None)  # without its trace
            if short is None:
                return
            line, n = short, counter.count(render_line(short)) + 1
        taken_mem.append(line)
        shown.update(line.provenance())
        used += n

    for i, block in enumerate(hits):
        for line in at.get(i, ()):
            take(line)
        lines = tuple(x for x in block if x.seq not in shown)
        if lines:
            n = counter.count(render_lines(lines)) + 1
            if used + n > room:
                lines = fit(query, list(lines), room - used) if fit is not None else ()
                n = counter.count(render_lines(lines)) + 1 if lines else 0
            if lines and used + n <= room:
                taken_raw.extend(lines)
                shown.update(x.seq for x in lines)
                used += n
        if room - used <= 8:
            break
    for line in unranked:
        if room - used <= 8:
            break
        take(line)
    retrieved = tuple(sorted(taken_raw, key=lambda x: x.seq))
    return Merged(tuple(taken_mem), retrieved, used)
