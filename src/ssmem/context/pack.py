"""The one packer: lines into a token budget, whole or shortened, never with a note cut off.

Items are taken in the order given (most important first, or newest first for a window).
A single line that does not fit is first tried without its droppable trace (`previous`),
then, when `cut` is set, with its text shortened on that side ("head" keeps the start,
"tail" the end) — its tag and notes stay whole. A block (a tuple of lines, e.g. one
retrieved chunk) is taken whole or not at all. A miss either ends packing (`on_miss`
"stop": a window must stay contiguous) or moves on to the next item ("skip": a ranked
memory takes whatever else fits). Each line after the first costs one token more for its
newline; `Packed.tokens` is the exact count of the rendered result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ssmem.context.line import Cut, Line
from ssmem.context.render import render_line, render_lines
from ssmem.context.screen import screen
from ssmem.tokens import TokenCounter

Item = Line | Sequence[Line]


@dataclass(frozen=True)
class Packed:
    lines: tuple[Line, ...]
    tokens: int  # counter.count of the rendered lines

    @property
    def text(self) -> str:
        return render_lines(self.lines)


def pack(
    items: Iterable[Item],
    budget: int,
    counter: TokenCounter,
    *,
    newest_first: bool = False,
    cut: Cut | None = None,
    on_miss: Literal["skip", "stop"] = "stop",
) -> Packed:
    """The items that fit `budget` tokens; with `newest_first` the items come newest first
    and the result is put back in stream order."""
    picked: list[Line] = []
    used = 0
    for item in items:
        if isinstance(item, Line):
            block: tuple[Line, ...] = (item,)
            text = render_line(item)
        else:
            block = tuple(item)
            if not block:
                continue
            text = render_lines(block)
        sep = 1 if picked else 0
        n = counter.count(text) + sep
        if used + n <= budget:
            picked.extend(block)
            used += n
            continue
        short = shorten(block[0], budget - used - sep, counter, cut) if len(block) == 1 else None
        if short is not None:
            picked.append(short)
            used += counter.count(render_line(short)) + sep
            if short.cut is not None:  # a cut line is a boundary: nothing after it fits
                break
            continue
        if on_miss == "stop":
            break
    lines = tuple(reversed(picked)) if newest_first else tuple(picked)
    return Packed(lines, counter.count(render_lines(lines)))


def shorten(line: Line, room: int, counter: TokenCounter, cut: Cut | None) -> Line | None:
    """`line` made to fit `room` tokens — without its trace, else (with `cut`) with a
    shorter text — or None. Tag and notes are never shortened."""
    if room <= 0:
        return None
    if line.previous is not None:
        line = replace(line, previous=None)
        if counter.count(render_line(line)) <= room:
            return line
    if cut is None or screen(line.text, line.source) is not None:
        return None  # a withheld line shows no text: there is nothing to shorten
    fixed = counter.count(render_line(replace(line, text="", cut=cut)))
    left = room - fixed
    while left > 0:
        text = counter.truncate(line.text, left, keep=cut)
        if not text:
            return None
        short = replace(line, text=text, cut=cut)
        over = counter.count(render_line(short)) - room
        if over <= 0:
            return short
        left -= over
    return None
