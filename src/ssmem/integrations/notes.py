"""The memory part every integration shows a model: ssmem's context lines less what the
model already sees verbatim, under one heading that frames them as quoted data.

A context line comes back from a session as its JSON form (`Line.to_dict`) and is rebuilt
as a typed `Line` (`Line.from_dict`) before it is filtered and rendered: nothing here
parses rendered text. A line *repeats* the verbatim messages when every event it stands
for is among them and it carries no note (a replaced value, a subject, a supersession
marker); those lines are left out, everything else is kept in the context's order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ssmem.context import Line, render_lines
from ssmem.context.render import MEMORY_HEADING

__all__ = ["MEMORY_HEADING", "context_lines", "render_notes", "repeats"]


def repeats(line: Line, shown: set[int]) -> bool:
    """The line only repeats events in `shown` and adds no note to them."""
    notes = (line.previous, line.subject, line.superseded_by, line.probably_superseded_by)
    return set(line.seqs) <= shown and all(n is None for n in notes)


def context_lines(context: dict[str, Any], exclude: Iterable[int] = ()) -> list[Line]:
    """The context's lines, less those that only repeat events in `exclude`."""
    shown = set(exclude)
    lines = [Line.from_dict(d) for d in context.get("lines", [])]
    return [line for line in lines if not repeats(line, shown)]


def render_notes(lines: Iterable[Line]) -> str:
    """`MEMORY_HEADING` and one rendered line per line; "" when there are none."""
    text = render_lines(lines)
    return f"{MEMORY_HEADING}\n{text}" if text else ""
