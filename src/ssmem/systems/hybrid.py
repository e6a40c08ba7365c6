"""The `hybrid` system: the compressor's memory and retrieval over the raw log, in one
relevance order.

With a question, the context is:
1. the session's constraints (they hold for the whole session), in the memory's order,
   within `constraint_share` of the budget (the first one even beyond it);
2. the recent raw window at `window_share` (both `ReadConfig`, saved with the checkpoint);
3. memory lines and retrieved hits in the room left, ranked by the retriever (`merge.py`): a
   memory line is as relevant as the best-ranked event it quotes and replaces those events'
   raw lines; the memory's own first lines, within `memory_lead` of that room, also keep
   their own rank, so what the state ranks first (a cause long before its effect, the value
   before an update) is shown even when the question's words miss it.
Old values among the retrieved lines are marked by read-time consolidation over the whole
prompt. Without a question the context is the `ssm` one (the memory's own ranking).

Before, retrieval fired by a policy (exact-wording intent, low memory confidence, a question
the memory's words did not cover) and took a share of the budget set by the memory's
confidence. On real text that confidence did not say whether the memory held the answer,
and the hybrid recalled less than the RAG it contains; on data the benchmark never asks the
one order did better (`experiments/hybrid_order.py`, docs/results.md).

The retriever is `rag` (event-boundary chunks) by default; `hybrid-lme` uses `rag-lme`
(passages, session keys, time-aware expansion).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from ssmem import statefile
from ssmem.compressor.read.consolidate import Candidate, Newer, superseded_lines
from ssmem.compressor.read.marking import marker, superseded_map
from ssmem.compressor.read.memory_view import Reading
from ssmem.context import (
    Context,
    ContextInfo,
    Line,
    Retrieval,
    make_context,
    pack,
    render_line,
)
from ssmem.events import Event
from ssmem.systems.base import Stats, check_budget
from ssmem.systems.grounding import Grounding, LogLookup
from ssmem.systems.merge import merge
from ssmem.systems.rag import RAGConfig, RAGMemory
from ssmem.systems.rag_lme import RAGLMEConfig, RAGLMEMemory
from ssmem.systems.ssm import SSMMemory
from ssmem.tokens import TokenCounter, default_counter

STATE_KIND = "ssmem.hybrid-memory/1"


class HybridMemory:
    name = "hybrid"

    def __init__(
        self,
        counter: TokenCounter | None = None,
        ssm: SSMMemory | None = None,
        retriever: str = "rag",
    ) -> None:
        self.counter = counter or default_counter()
        self.ssm = ssm or SSMMemory(self.counter)
        self.settings = self.ssm.read_config  # saved with the compressor checkpoint
        self.rag: RAGMemory | RAGLMEMemory
        if retriever == "rag":
            self.rag = RAGMemory(self.counter, RAGConfig(window_share=0.0))
        elif retriever == "rag-lme":
            self.rag = RAGLMEMemory(self.counter, RAGLMEConfig(window_share=0.0))
        else:
            raise ValueError(f"unknown retriever {retriever!r} (rag, rag-lme)")
        self.fired: dict[str, int] = {}  # contexts that showed retrieved lines, by rule

    def ingest(self, events: Iterable[Event]) -> None:
        batch = list(events)
        self.ssm.ingest(batch)
        self.rag.ingest(batch)

    def context(self, query: str, budget: int) -> Context:
        check_budget(budget)
        reading = self.ssm.memory().read(query)
        if not query.strip():  # no question: nothing to retrieve for, the memory's own ranking
            base = self.ssm.context_from(reading, budget)
            info = replace(base.info, retrieval=Retrieval(False, None, "no query"))
            return make_context(self.name, budget, self.counter, base.lines, info)
        return self.merged(reading, query, budget)

    def merged(self, reading: Reading, query: str, budget: int) -> Context:
        """The context for a question (module doc). The merge is done twice: old values
        among the first one's retrieved lines are found over the whole prompt, then the
        marked hits are merged again, because a mark takes room."""
        cfg = self.settings
        slots = self.ssm.materializer.slots
        noted = list(reading.noted())
        is_rule = [s.type == "constraint" for s in reading.ranked]
        rule_lines = [x for x, c in zip(noted, is_rule, strict=True) if c]
        rules = pack(rule_lines, int(budget * cfg.constraint_share), self.counter, on_miss="skip")
        if rule_lines and not rules.lines:  # the first constraint is shown at any budget
            rules = pack(rule_lines[:1], budget, self.counter, on_miss="skip")
        others = [x for x, c in zip(noted, is_rule, strict=True) if not c]
        left = budget - rules.tokens - (1 if rules.lines else 0)
        known = superseded_map(slots)
        note = marker(known, reading.older_seqs)
        win = self.ssm.window.window_lines(max(0, min(left, int(budget * cfg.window_share))), note)
        room = max(0, left - win.tokens - (1 if win.lines else 0))
        shown = {q for x in rules.lines for q in x.provenance()}
        shown |= {x.seq for x in win.lines if x.cut is None}  # a cut line is partial
        hits = self.rag.hits(query)
        fit = self.rag.best_lines if isinstance(self.rag, RAGMemory) else None
        lead = cfg.memory_lead
        first = merge(query, others, hits, room, self.counter, shown, fit, lead)
        seen = [*rules.lines, *first.memory, *win.lines]
        probable = {**self.older_retrieved(query, seen, first.retrieved), **reading.older_seqs}
        note = marker(known, probable)
        marked = [tuple(note(x) for x in b) for b in hits]
        final = merge(query, others, marked, room, self.counter, shown, fit, lead)
        n = sum(self.counter.count(render_line(x)) + 1 for x in final.retrieved)
        detail = f"{len(final.memory)} memory and {len(final.retrieved)} retrieved lines"
        if final.retrieved:
            self.fired["relevance"] = self.fired.get("relevance", 0) + 1
            retrieval = Retrieval(True, "relevance", detail, round(n / budget, 3))
        else:
            retrieval = Retrieval(False, None, detail)
        info = ContextInfo(reading.confidence, retrieval, slots=len(slots))
        lines = [*rules.lines, *final.memory, *final.retrieved, *win.lines]
        return make_context(self.name, budget, self.counter, lines, info)

    def older_retrieved(
        self, query: str, shown: Sequence[Line], raws: Sequence[Line]
    ) -> dict[int, Newer]:
        """Retrieved events (seq -> newer seq) that a newer line the reader sees (memory,
        window or retrieved) probably superseded: read-time consolidation (`consolidate.py`)
        over the whole prompt, so an old value fetched from the raw log is marked too."""
        slots = {s.current.seq: s for s in self.ssm.materializer.slots.values()}
        lines: dict[int, Candidate] = {}
        fetched: set[int] = set()
        for line in [*shown, *raws]:
            if line.kind == "memory":  # a slot line (with its trace): the slot itself
                lines.update((q, Candidate.of(slots[q])) for q in line.provenance() if q in slots)
                continue
            if line.cut is not None:  # a cut line: its text is not all there
                continue
            seq = line.seq
            if seq in slots:
                lines[seq] = Candidate.of(slots[seq])
            else:  # the event's own text, as a slot holds it: no source label
                lines[seq] = Candidate(seq, line.text, source=line.source)
            if line.kind == "retrieved":
                fetched.add(seq)
        read_match = self.ssm.materializer.config.read_match
        older = superseded_lines(
            list(lines.values()),
            query,
            self.ssm.lexicon,
            read_match,
            self.settings.max_diff,
            self.ssm.materializer.policy,
        )
        return {seq: newer for seq, newer in older.items() if seq in fetched}

    def ground(self, lookup: LogLookup) -> Grounding:
        """The memory half re-grounded (`SSMMemory.ground`). The retrieval index is a copy
        of the whole log: checking it would cost a replay, so it is not."""
        return self.ssm.ground(lookup)

    # -- snapshots (`SnapshotableMemory`) -------------------------------------------------
    def export_state(self) -> bytes:
        """The compressor's and the retrieval index's states, and the retrieval counts."""
        arrays = {
            "ssm": np.frombuffer(self.ssm.export_state(), dtype=np.uint8),
            "rag": np.frombuffer(self.rag.export_state(), dtype=np.uint8),
        }
        return statefile.pack(STATE_KIND, {"fired": dict(sorted(self.fired.items()))}, arrays)

    def import_state(self, data: bytes) -> None:
        """Restore what `export_state` wrote into this fresh system (`ValueError` otherwise)."""
        meta, arrays = statefile.unpack(data, STATE_KIND)
        try:
            fired = {str(k): int(v) for k, v in meta["fired"].items()}
            ssm, rag = arrays["ssm"].tobytes(), arrays["rag"].tobytes()
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise ValueError(f"unreadable hybrid state: {type(err).__name__} {err}") from None
        self.ssm.import_state(ssm)
        self.rag.import_state(rag)
        self.fired = fired

    def stats(self) -> Stats:
        a, b = self.ssm.stats(), self.rag.stats()
        return Stats(events=a.events, state_bytes=a.state_bytes + b.state_bytes)
