"""How a context was built: the retrieval decision and its rule, the budget each part got.

Typed, so the orchestrator, the benchmark and the service read the same fields instead of
string keys of a dict that five modules write.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Retrieval:
    """Whether retrieval over the raw log fired, the rule that fired (None when it did not),
    why, and the share of the budget it got (None when it did not fire)."""

    fire: bool
    rule: str | None
    detail: str
    share: float | None = None


@dataclass(frozen=True)
class ContextInfo:
    """What the system decided while building a context (None: does not apply to it).

    confidence: the memory's confidence for the query, in [0, 1].
    retrieval: the hybrid's decision, made once, here.
    slots: slots the memory held.
    truncated: the full-context system had to drop events.
    llm_calls / summaries: the summarization system's write cost and summary count.
    """

    confidence: float | None = None
    retrieval: Retrieval | None = None
    slots: int | None = None
    truncated: bool | None = None
    llm_calls: int | None = None
    summaries: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
