"""The compressor's read-side settings, saved with its checkpoint next to the write-side
`MaterializerConfig` (keep/update/match thresholds, the calibrated ranking weights).

Every tuned or chosen number of the read path lives here, not in a function body; `ssmem
memory --json` shows both configs. Values set a priori (not fitted) say so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

# Settings older checkpoints hold that no longer exist: the hybrid's retrieval policy
# (retrieval share, coverage and confidence thresholds), replaced by one relevance order.
RETIRED = frozenset({"retrieval_share", "min_coverage", "min_confidence"})


@dataclass(frozen=True)
class ReadConfig:
    # Ranking (memory_view.py), set a priori: the static-text cosine's weight next to the
    # learned key similarity, and the boost of unresolved loops over equally relevant closed
    # facts. (The calibrated weights rank_lex / rank_phrase are in MaterializerConfig.)
    text_weight: float = 0.5
    open_boost: float = 0.2
    usefulness_weight: float = 0.05  # a slot's usefulness breaks near-ties in relevance
    # Read-time consolidation (consolidate.py): ranked slots checked, and the most IDF mass
    # two lines may differ by (share of what either says) to count as saying the same thing.
    consolidate: int = 64
    max_diff: float = 0.5
    # The ssm context: the share of the budget for the recent raw window.
    window_share: float = 0.25
    # The hybrid (`systems/hybrid.py`): the most of the budget the session's constraints take
    # in a context with a question, and the share of the room left for memory and retrieval
    # that the memory's first lines may hold at their own rank. Chosen among variants on
    # data the benchmark never asks (`experiments/hybrid_order.py`): real chat labels many
    # statements constraints, and the state's first lines carry causes and earlier values.
    constraint_share: float = 0.25
    memory_lead: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadConfig:
        """Known fields only; a field a checkpoint lacks keeps its default, a retired one
        (`RETIRED`) is ignored."""
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k not in RETIRED}
        unknown = set(data) - names
        if unknown:
            raise TypeError(f"unknown read settings {sorted(unknown)}")
        return cls(**data)
