"""The one interface every memory system implements, and the context it builds.

A `MemorySystem` ingests a growing stream incrementally and, for a query, builds a `Context`
under a token budget. Every `Segment` of a context says where it came from (`seqs`), so any
line a reader sees can be traced back to the raw events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from ssmem.events import Event
from ssmem.tokens import TokenCounter

SegmentKind = Literal["window", "memory", "retrieved"]
SEPARATOR = "\n"


@dataclass(frozen=True)
class Segment:
    """One ordered piece of a context: recent raw text, memory, or a retrieved snippet."""

    kind: SegmentKind
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
    segments: tuple[Segment, ...]
    tokens: int
    info: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        return SEPARATOR.join(s.text for s in self.segments if s.text)

    def seqs(self) -> set[int]:
        return {q for s in self.segments for q in s.seqs}

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "budget": self.budget,
            "tokens": self.tokens,
            "segments": [s.to_dict() for s in self.segments],
            **({"info": self.info} if self.info else {}),
        }


@dataclass(frozen=True)
class Stats:
    """Cost accounting: what was ingested, how big the state is, how many LLM calls it took."""

    events: int
    state_bytes: int
    llm_calls: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"events": self.events, "state_bytes": self.state_bytes, "llm_calls": self.llm_calls}


@runtime_checkable
class MemorySystem(Protocol):
    """Incremental ingest + budgeted context. Implementations must:

    - accept `ingest` many times as the stream grows (events in increasing `seq`);
    - return from `context` a `Context` whose `tokens` (by `self.counter`) is <= budget;
    - never call an LLM in `context` (the summarization system calls one in `ingest` and
      counts those calls in `stats().llm_calls`).
    """

    name: str
    counter: TokenCounter

    def ingest(self, events: Iterable[Event]) -> None: ...

    def context(self, query: str, budget: int) -> Context: ...

    def stats(self) -> Stats: ...


def make_context(
    system: str,
    budget: int,
    counter: TokenCounter,
    segments: list[Segment],
    info: dict[str, Any] | None = None,
) -> Context:
    """Assemble a context and enforce the budget on the rendered text.

    Segment counts are summed by parts; a tokenizer that is not additive over the separator
    could overshoot, so the whole is re-counted and the last segment trimmed until it fits.
    """
    if budget < 0:
        raise ValueError(f"budget must be >= 0, got {budget}")
    segs = [s for s in segments if s.text]
    while True:
        text = SEPARATOR.join(s.text for s in segs)
        total = counter.count(text)
        if total <= budget or not segs:
            return Context(system, budget, tuple(segs), total if segs else 0, info or {})
        last = segs[-1]
        keep = max(0, min(last.tokens - 1, last.tokens - (total - budget)))
        cut = counter.truncate(last.text, keep, keep="head")
        segs = segs[:-1] + ([Segment(last.kind, last.seqs, cut, counter.count(cut))] if cut else [])


def check_budget(budget: int) -> int:
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 0:
        raise ValueError(f"budget must be a non-negative int, got {budget!r}")
    return budget
