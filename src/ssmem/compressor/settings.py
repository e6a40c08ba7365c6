"""The compressor's read-side settings, saved with its checkpoint next to the write-side
`MaterializerConfig` (keep/update/match thresholds, the calibrated ranking weights).

Every tuned or chosen number of the read path lives here, not in a function body; `ssmem
memory --json` shows both configs. Values set a priori (not fitted) say so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


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
    # The hybrid: the least share of the budget retrieval gets when it fires, and the
    # policy's thresholds (a priori: half the question's content words held; confidence on
    # the memory's own [0, 1] scale).
    retrieval_share: float = 0.35
    min_coverage: float = 0.5
    min_confidence: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadConfig:
        """Known fields only; a field a checkpoint lacks keeps its default."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise TypeError(f"unknown read settings {sorted(unknown)}")
        return cls(**data)
