"""A `Context`: the lines a system hands the reader, the info of how they were chosen, and
the budget they fit in (`tokens`, counted on the rendering, never exceeds `budget`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ssmem.context.info import ContextInfo
from ssmem.context.line import Line, LineKind
from ssmem.context.pack import shorten
from ssmem.context.render import render_line, render_lines
from ssmem.tokens import TokenCounter


@dataclass(frozen=True)
class Segment:
    """A run of consecutive lines of one kind, rendered (a read-only view for JSON output)."""

    kind: LineKind
    seqs: tuple[int, ...]
    text: str
    tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seqs": list(self.seqs),
            "text": self.text,
            "tokens": self.tokens,
        }


@dataclass(frozen=True)
class Context:
    """What a system hands the reader. `tokens` counts `render()` and never exceeds `budget`."""

    system: str
    budget: int
    lines: tuple[Line, ...]
    tokens: int
    info: ContextInfo = field(default_factory=ContextInfo)
    counter: TokenCounter | None = field(default=None, repr=False, compare=False)

    def render(self) -> str:
        return render_lines(self.lines)

    def seqs(self) -> set[int]:
        """Every seq the rendering shows (a line's own and the values it replaced)."""
        return {q for line in self.lines for q in line.provenance()}

    def marked_seqs(self) -> set[int]:
        """Seqs of the lines shown as (probably) superseded."""
        return {line.seq for line in self.lines if line.marked()}

    def of_kind(self, *kinds: LineKind) -> list[Line]:
        return [line for line in self.lines if line.kind in kinds]

    @property
    def segments(self) -> tuple[Segment, ...]:
        """Consecutive lines of one kind, grouped and rendered (seqs sorted)."""
        runs: list[list[Line]] = []
        for line in self.lines:
            if runs and runs[-1][0].kind == line.kind:
                runs[-1].append(line)
            else:
                runs.append([line])
        out = []
        for run in runs:
            text = render_lines(run)
            seqs = tuple(sorted({q for line in run for q in line.provenance()}))
            tokens = self.counter.count(text) if self.counter is not None else -1
            out.append(Segment(run[0].kind, seqs, text, tokens))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        info = self.info.to_dict()
        return {
            "system": self.system,
            "budget": self.budget,
            "tokens": self.tokens,
            "segments": [s.to_dict() for s in self.segments],
            "lines": [line.to_dict() for line in self.lines],
            **({"info": info} if info else {}),
        }


def make_context(
    system: str,
    budget: int,
    counter: TokenCounter,
    lines: Sequence[Line],
    info: ContextInfo | None = None,
) -> Context:
    """Assemble a context and enforce the budget on the rendered text.

    Packers count a newline as at most one token; a tokenizer that merges across newlines
    could still overshoot, so the whole is re-counted and the last line shortened (its
    notes kept) or dropped until it fits.
    """
    if budget < 0:
        raise ValueError(f"budget must be >= 0, got {budget}")
    kept = list(lines)
    while True:
        total = counter.count(render_lines(kept))
        if total <= budget or not kept:
            info = info or ContextInfo()
            return Context(system, budget, tuple(kept), total if kept else 0, info, counter)
        last = kept.pop()
        room = counter.count(render_line(last)) - (total - budget)
        side = "tail" if last.kind == "window" else "head"
        short = shorten(replace(last, cut=None), room, counter, side)
        if short is not None:
            kept.append(short)
