"""A read-only view of an `SSMMemory`: ranking slots for a query and rendering them.

Ranking: constraints and open loops first (they must hold for the whole session), then slots
by relevance to the query — the query's learned key against slot keys, the static-text
cosine, the IDF overlap of the query's words and the share of its phrases a slot holds —
or, with no query, by usefulness. `render(budget)` emits whole lines, most useful
first, and never exceeds the budget by the system's token counter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ssmem.compressor.consolidate import probable_supersessions
from ssmem.compressor.lexicon import words
from ssmem.compressor.phrases import phrase_share
from ssmem.systems.base import Segment
from ssmem.tokens import TokenCounter

if TYPE_CHECKING:
    from ssmem.compressor.slots import Slot
    from ssmem.compressor.system import SSMMemory

TEXT_WEIGHT = 0.5  # static-text cosine next to the learned key similarity
# The weights of the IDF-weighted word overlap (names and ids the query mentions) and of the
# query's phrases found whole in a slot (`phrases.py`: "Velvet Lantern Osaka", not "Velvet
# Lantern Perth") are `MaterializerConfig.rank_lex` and `rank_phrase`, calibrated with the
# checkpoint on held-out train templates.
OPEN_BOOST = 0.2  # unresolved loops rank above equally relevant closed facts
CONSOLIDATE = 64  # ranked slots checked for read-time supersession


@dataclass(frozen=True)
class ScoreParts:
    """Per slot (in `MemoryView.slots` order): usefulness `base`, and for a query the learned
    key plus static-text similarity `rel`, the IDF word `overlap` and the `phrase` share."""

    base: np.ndarray
    rel: np.ndarray | None
    overlap: np.ndarray | None
    phrase: np.ndarray | None

    def combine(self, rank_lex: float, rank_phrase: float) -> np.ndarray:
        """Relevance per slot under these weights (with no query: usefulness alone)."""
        if self.rel is None or self.overlap is None or self.phrase is None:
            return self.base
        return self.rel + rank_lex * self.overlap + rank_phrase * self.phrase + 0.05 * self.base


class MemoryView:
    def __init__(self, system: SSMMemory, counter: TokenCounter) -> None:
        self.system = system
        self.counter = counter
        self.slots = list(system.materializer.slots.values())
        # After `segment`: current seq of each slot found probably superseded -> newer seq.
        self.older_seqs: dict[int, int] = {}

    def score_parts(self, query: str) -> ScoreParts | None:
        """The ranking terms of every slot for `query` (None with no slots)."""
        if not self.slots:
            return None
        now = self.system.last_seq or 0
        base = np.array([self.system.materializer.rank(s, now) for s in self.slots])
        if not query.strip():
            return ScoreParts(base, None, None, None)
        q = self.system.featurizer.embed_texts([query])  # (1, 384)
        with torch.no_grad():
            qk = self.system.net.query_key(torch.from_numpy(q))[0].numpy()
        keys = np.stack([s.key for s in self.slots])
        texts = np.stack([s.text_vec for s in self.slots])
        lex = self.system.lexicon
        qw = words(query)
        overlap = np.array([lex.overlap(qw, words(s.current.text)) for s in self.slots])
        toks = self.system.phrase_tokens.get([(s.current.seq, s.current.text) for s in self.slots])
        return ScoreParts(
            base, keys @ qk + TEXT_WEIGHT * (texts @ q[0]), overlap, phrase_share(query, toks)
        )

    def scores(self, query: str) -> dict[int, float]:
        """Relevance of every slot to `query` (higher = more relevant)."""
        parts = self.score_parts(query)
        if parts is None:
            return {}
        cfg = self.system.materializer.config
        total = parts.combine(cfg.rank_lex, cfg.rank_phrase)
        return {s.id: float(t) for s, t in zip(self.slots, total, strict=True)}

    def confidence(self, query: str) -> float:
        """Memory confidence for `query` in [0, 1]: the best learned key match of the query
        against the slots (0 with no slots). The hybrid retrieval policy reads this."""
        if not self.slots or not query.strip():
            return 0.0
        q = self.system.featurizer.embed_texts([query])
        with torch.no_grad():
            qk = self.system.net.query_key(torch.from_numpy(q))[0].numpy()
        best = max(float(s.key @ qk) for s in self.slots)
        return min(1.0, max(0.0, best))

    def ranked(self, query: str, scores: dict[int, float] | None = None) -> list[Slot]:
        """Slots best first (`scores` given: by those, e.g. other ranking weights)."""
        scores = self.scores(query) if scores is None else scores

        def order(s: Slot) -> tuple:
            # Constraints hold for the whole session: always first. Open loops get a boost.
            boost = OPEN_BOOST if s.status == "open" else 0.0
            return (s.type != "constraint", -(scores[s.id] + boost), -s.last_seen)

        return sorted(self.slots, key=order)

    def probably_superseded(self, query: str, ranked: list[Slot]) -> dict[int, int]:
        """Read-time consolidation among the first `CONSOLIDATE` ranked slots."""
        system = self.system
        return probable_supersessions(
            ranked[:CONSOLIDATE], query, system.lexicon, system.materializer.config.read_match
        )

    def segment(self, query: str, budget: int) -> Segment:
        """Whole slot lines, best first, within `budget` tokens (newline counted). A slot a
        newer shown-or-ranked slot probably superseded says so (`consolidate.py`)."""
        lines: list[str] = []
        seqs: list[int] = []
        used = 0
        ranked = self.ranked(query)
        older = self.probably_superseded(query, ranked)
        by_id = {s.id: s for s in ranked}
        self.older_seqs = {by_id[i].current.seq: newer for i, newer in older.items()}
        for slot in ranked:
            note = f" (probably superseded by #{older[slot.id]})" if slot.id in older else ""
            line = slot.line() + note
            n = self.counter.count(line) + (1 if lines else 0)
            if used + n > budget:
                line = slot.line(with_history=False) + note
                n = self.counter.count(line) + (1 if lines else 0)
                if used + n > budget:
                    continue
                shown = [slot.current.seq]
            else:
                shown = [slot.current.seq] + ([slot.history[-1].seq] if slot.history else [])
            lines.append(line)
            seqs.extend(shown)
            used += n
        text = "\n".join(lines)
        return Segment("memory", tuple(seqs), text, self.counter.count(text))

    def render(self, budget: int, query: str = "") -> str:
        return self.segment(query, budget).text

    def to_dict(self, budget: int | None = None, query: str = "") -> dict[str, Any]:
        slots = self.ranked(query)
        older = self.probably_superseded(query, slots)
        if budget is not None:
            keep = set(self.segment(query, budget).seqs)
            slots = [s for s in slots if s.current.seq in keep]
        snaps = self.system.episodic.snapshots()
        last = snaps[-1] if snaps else None
        from ssmem.compressor.episodic import delta

        d = (
            delta(last.slots, self.system.materializer.slots, last.seq, self.system.last_seq or 0)
            if last
            else None
        )
        return {
            "events": self.system.events_seen,
            "slots_total": len(self.slots),
            "dropped_events": self.system.materializer.dropped,
            "slots": [{**s.to_dict(), "probably_superseded_by": older.get(s.id)} for s in slots],
            "snapshots": [s.to_dict() for s in snaps],
            "delta": d.to_dict() if d else None,
            "latent_shape": list(self.system.latent().shape),
        }

    def to_json(self, budget: int | None = None, query: str = "") -> str:
        return json.dumps(self.to_dict(budget, query), ensure_ascii=False)
