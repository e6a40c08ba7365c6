"""A read-only view of an `SSMMemory`: ranking slots for a query and rendering them.

Ranking: constraints and open loops first (they must hold for the whole session), then slots
by relevance to the query — the query's learned key against slot keys, the static-text
cosine, the IDF overlap of the query's words and the share of its phrases a slot holds —
or, with no query, by usefulness. `read(query)` does the query's work once (embedding,
ranking, read-time consolidation, confidence) and returns a `Reading`; `Reading.lines`
packs whole lines, most useful first, within a budget by the system's token counter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ssmem.compressor.read.consolidate import Newer, probable_supersessions, probably_superseded
from ssmem.context import Line, Packed, pack
from ssmem.text.lexicon import words
from ssmem.text.phrases import phrase_share
from ssmem.tokens import TokenCounter

if TYPE_CHECKING:
    from ssmem.compressor.store.slots import Slot
    from ssmem.systems.ssm import SSMMemory


@dataclass(frozen=True)
class ScoreParts:
    """Per slot (in `MemoryView.slots` order): usefulness `base`, and for a query the learned
    key plus static-text similarity `rel`, the IDF word `overlap` and the `phrase` share."""

    base: np.ndarray
    rel: np.ndarray | None
    overlap: np.ndarray | None
    phrase: np.ndarray | None

    def combine(self, rank_lex: float, rank_phrase: float, base_weight: float) -> np.ndarray:
        """Relevance per slot under these weights (with no query: usefulness alone)."""
        if self.rel is None or self.overlap is None or self.phrase is None:
            return self.base
        return (
            self.rel + rank_lex * self.overlap + rank_phrase * self.phrase + base_weight * self.base
        )


@dataclass
class Reading:
    """The memory read for one query: slots best first, the read-time consolidation among
    them (slot id -> the newer line) and the memory's confidence for the query, in [0, 1] (the
    best learned key match; 0 with no slots or no query). Packing at any budget reuses it."""

    query: str
    ranked: list[Slot]
    older: dict[int, Newer]
    confidence: float
    counter: TokenCounter = field(repr=False)

    @cached_property
    def older_seqs(self) -> dict[int, Newer]:
        """Current seq of each slot found probably superseded -> the newer line."""
        by_id = {s.id: s for s in self.ranked}
        return {by_id[i].current.seq: newer for i, newer in self.older.items()}

    def noted(self) -> Iterator[Line]:
        """Every slot's line, best first; a slot a newer shown-or-ranked slot probably
        superseded says so (`consolidate.py`)."""
        older = self.older
        for s in self.ranked:
            if s.id in older:
                yield s.as_line().with_notes(
                    probably_superseded_by=older[s.id].seq,
                    superseding_source=older[s.id].flagged_source,
                )
            else:
                yield s.as_line()

    def lines(self, budget: int) -> Packed:
        """Whole slot lines (`noted`), best first, within `budget` tokens (newline counted);
        a line that does not fit is tried without its trace, else skipped."""
        return pack(self.noted(), budget, self.counter, on_miss="skip")


class MemoryView:
    def __init__(self, system: SSMMemory, counter: TokenCounter) -> None:
        self.system = system
        self.counter = counter
        self.table = system.slot_table()
        self.slots = self.table.slots
        self.settings = system.read_config

    def query_key(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """The query's static embedding (384,) and learned key: computed once per read."""
        q = self.system.featurizer.embed_texts([query])  # (1, 384)
        with torch.no_grad():
            qk = self.system.net.query_key(torch.from_numpy(q))[0].numpy()
        return q[0], qk

    def score_parts(self, query: str, embedded: tuple | None = None) -> ScoreParts | None:
        """The ranking terms of every slot for `query` (None with no slots)."""
        if not self.slots:
            return None
        table = self.table
        if not query.strip():
            return ScoreParts(table.base, None, None, None)
        q, qk = embedded if embedded is not None else self.query_key(query)
        analyses = table.analyses
        overlap = self.system.lexicon.overlaps(words(query), [a.words for a in analyses])
        phrase = phrase_share(query, [(a.tokens, a.token_words) for a in analyses])
        rel = table.keys @ qk + self.settings.text_weight * (table.texts @ q)
        return ScoreParts(table.base, rel, overlap, phrase)

    def score_array(self, query: str, embedded: tuple | None = None) -> np.ndarray | None:
        """Relevance of every slot to `query`, in `slots` order (None with no slots)."""
        parts = self.score_parts(query, embedded)
        if parts is None:
            return None
        cfg = self.system.materializer.config
        return parts.combine(cfg.rank_lex, cfg.rank_phrase, self.settings.usefulness_weight)

    def scores(self, query: str, embedded: tuple | None = None) -> dict[int, float]:
        """Relevance of every slot to `query` (higher = more relevant), by slot id."""
        total = self.score_array(query, embedded)
        if total is None:
            return {}
        return {s.id: float(t) for s, t in zip(self.slots, total, strict=True)}

    def read(self, query: str) -> Reading:
        """Everything a query needs from the memory, computed once."""
        embedded = self.query_key(query) if self.slots and query.strip() else None
        ranked = self.ranked_by(self.score_array(query, embedded))
        confidence = 0.0
        if embedded is not None:
            best = float(np.max(self.table.keys @ embedded[1]))
            confidence = min(1.0, max(0.0, best))
        return Reading(
            query, ranked, self.probably_superseded(query, ranked), confidence, self.counter
        )

    def ranked(self, query: str, scores: dict[int, float] | None = None) -> list[Slot]:
        """Slots best first (`scores` given, by slot id: by those, e.g. other ranking
        weights); the order is `ranked_by`'s."""
        if scores is None:
            return self.ranked_by(self.score_array(query))
        return self.ranked_by(np.array([scores[s.id] for s in self.slots]) if self.slots else None)

    def ranked_by(self, total: np.ndarray | None) -> list[Slot]:
        """Slots best first for a score array in `slots` order: constraints first (they hold
        for the whole session), then by score with open loops boosted, then the most
        recently seen; full ties keep the table's order (lexsort is stable)."""
        t = self.table
        if total is None:
            return []
        boosted = total + self.settings.open_boost * t.open
        order = np.lexsort((-t.last_seen, -boosted, t.not_constraint))
        return [t.slots[i] for i in order]

    def probably_superseded(self, query: str, ranked: list[Slot]) -> dict[int, Newer]:
        """Read-time consolidation among the first `settings.consolidate` ranked slots,
        under the supersession policy the write path follows."""
        system = self.system
        return probable_supersessions(
            ranked[: self.settings.consolidate],
            query,
            system.lexicon,
            system.materializer.config.read_match,
            self.settings.max_diff,
            system.materializer.policy,
        )

    def render(self, budget: int, query: str = "") -> str:
        return self.read(query).lines(budget).text

    def to_dict(self, budget: int | None = None, query: str = "") -> dict[str, Any]:
        reading = self.read(query)
        slots, older = reading.ranked, reading.older
        if budget is not None:
            keep = {line.slot for line in reading.lines(budget).lines}
            slots = [s for s in slots if s.id in keep]
        snaps = self.system.episodic.snapshots()
        last = snaps[-1] if snaps else None
        from ssmem.compressor.store.episodic import delta

        d = (
            delta(last.slots, self.system.materializer.slots, last.seq, self.system.last_seq or 0)
            if last
            else None
        )
        return {
            "events": self.system.events_seen,
            "slots_total": len(self.slots),
            "dropped_events": self.system.materializer.dropped,
            "slots": [{**s.to_dict(), **probably_superseded(older.get(s.id))} for s in slots],
            "snapshots": [s.to_dict() for s in snaps],
            "delta": d.to_dict() if d else None,
            "conflicts": [c.to_dict() for c in self.system.conflicts()],
            "latent_shape": list(self.system.latent().shape),
            "settings": {
                "write": self.system.materializer.config.to_dict(),
                "read": self.settings.to_dict(),
                "supersede": self.system.materializer.policy.to_dict(),
            },
        }

    def to_json(self, budget: int | None = None, query: str = "") -> str:
        return json.dumps(self.to_dict(budget, query), ensure_ascii=False)
