"""The one interface every memory system implements.

A `MemorySystem` ingests a growing stream incrementally and, for a query, builds a
`Context` (`ssmem.context`) under a token budget: typed lines, each saying which events it
came from, so any line a reader sees can be traced back to the raw events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ssmem.context import Context, Segment, make_context
from ssmem.events import Event
from ssmem.tokens import TokenCounter

__all__ = ["Context", "MemorySystem", "Segment", "Stats", "check_budget", "make_context"]


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


def check_budget(budget: int) -> int:
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 0:
        raise ValueError(f"budget must be a non-negative int, got {budget!r}")
    return budget
