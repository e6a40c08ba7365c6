"""The `hybrid` system: the `ssm` context, plus retrieval over the raw log when a policy fires.

Retrieval is an exact-recall and provenance tool, not a default: it fires only when the
question asks for exact wording, when memory confidence for the question is low, or when no
memory line covers it (`ssmem.systems.policy`). When it fires, part of the budget goes to
retrieved snippets (events already shown are skipped) and the rest to the `ssm` context:
`retrieval_share` (`ReadConfig`, saved with the checkpoint) for an exact-wording question
(the memory still answers what is current), and otherwise the share the memory's own
confidence does not claim, `1 - confidence`, never less than `retrieval_share`. The share
splits the budget the session's constraints leave: they are shown in every context, so they
are not room the memory competes for. The decision (rule, detail, share) is made once,
here, and recorded in `ContextInfo.retrieval`. The memory is read once per query
(`MemoryView.read`).

The retriever is `rag` (event-boundary chunks) by default; `hybrid-lme` uses `rag-lme`
(passages, session keys, time-aware expansion), whose lines are taken one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from ssmem import statefile
from ssmem.compressor.read.consolidate import Candidate, Newer, superseded_lines
from ssmem.compressor.read.marking import marker, superseded_map
from ssmem.context import Context, Line, Retrieval, make_context, pack, render_line
from ssmem.events import Event
from ssmem.systems.base import Stats, check_budget
from ssmem.systems.grounding import Grounding, LogLookup
from ssmem.systems.policy import PolicyConfig, decide_coverage, decide_early
from ssmem.systems.rag import Block, RAGConfig, RAGMemory
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
        policy: PolicyConfig | None = None,
        retriever: str = "rag",
    ) -> None:
        self.counter = counter or default_counter()
        self.ssm = ssm or SSMMemory(self.counter)
        self.settings = self.ssm.read_config  # saved with the compressor checkpoint
        self.policy = policy or PolicyConfig(
            min_coverage=self.settings.min_coverage, min_confidence=self.settings.min_confidence
        )
        self.rag: RAGMemory | RAGLMEMemory
        if retriever == "rag":
            self.rag = RAGMemory(self.counter, RAGConfig(window_share=0.0))
        elif retriever == "rag-lme":
            self.rag = RAGLMEMemory(self.counter, RAGLMEConfig(window_share=0.0))
        else:
            raise ValueError(f"unknown retriever {retriever!r} (rag, rag-lme)")
        self.fired: dict[str, int] = {}

    def ingest(self, events: Iterable[Event]) -> None:
        batch = list(events)
        self.ssm.ingest(batch)
        self.rag.ingest(batch)

    def context(self, query: str, budget: int) -> Context:
        check_budget(budget)
        reading = self.ssm.memory().read(query)
        confidence = reading.confidence
        if not query.strip():  # no question: nothing to retrieve for, the memory's own ranking
            base = self.ssm.context_from(reading, budget)
            info = replace(base.info, retrieval=Retrieval(False, None, "no query"))
            return make_context(self.name, budget, self.counter, base.lines, info)
        decision = decide_early(query, confidence, self.policy)
        if decision is None:  # only the coverage rule needs the memory's context first
            base = self.ssm.context_from(reading, budget)
            decision = decide_coverage(query, base.lines, self.policy)
            if not decision.fire:
                info = replace(base.info, retrieval=decision)
                return make_context(self.name, budget, self.counter, base.lines, info)
        self.fired[decision.rule] = self.fired.get(decision.rule, 0) + 1
        share = self.share(decision.rule, confidence)
        # The session's constraints are shown in every context: they are overhead of the
        # memory part, not room it competes for, so the share splits what they leave.
        r_budget = int(max(0, budget - self.constraint_tokens()) * share)
        rest = self.ssm.context_from(reading, budget - r_budget)
        shown = rest.seqs()
        blocks = [b for b in self.blocks(query, r_budget) if not {x.seq for x in b} <= shown]
        probable = {**self.older_retrieved(query, rest, blocks), **reading.older_seqs}
        note = marker(superseded_map(self.ssm.materializer.slots), probable)
        room = budget - rest.tokens - 1
        marked = [tuple(note(x) for x in b) for b in blocks]
        retrieved = pack(marked, room - 1, self.counter, on_miss="skip").lines
        info = replace(rest.info, retrieval=replace(decision, share=share))
        return make_context(self.name, budget, self.counter, [*rest.lines, *retrieved], info)

    def blocks(self, query: str, room: int) -> list[Block]:
        """The retriever's result as blocks (a `rag-lme` passage is a block of one line)."""
        if isinstance(self.rag, RAGLMEMemory):
            return [(line,) for line in self.rag.retrieve(query, room)]
        return self.rag.retrieve(query, room)

    def older_retrieved(
        self, query: str, rest: Context, blocks: Sequence[Block]
    ) -> dict[int, Newer]:
        """Retrieved events (seq -> newer seq) that a newer line the reader sees (memory,
        window or retrieved) probably superseded: read-time consolidation (`consolidate.py`)
        over the whole prompt, so an old value fetched from the raw log is marked too."""
        slots = {s.current.seq: s for s in self.ssm.materializer.slots.values()}
        lines: dict[int, Candidate] = {}
        fetched: set[int] = set()
        raws: list[Line] = [x for b in blocks for x in b]
        for line in [*rest.lines, *raws]:
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

    def constraint_tokens(self) -> int:
        """Tokens the memory's constraint lines take (each with its newline)."""
        slots = self.ssm.materializer.slots.values()
        return sum(
            self.counter.count(render_line(s.as_line())) + 1
            for s in slots
            if s.type == "constraint"
        )

    def share(self, rule: str | None, confidence: float) -> float:
        """The budget share retrieval gets when `rule` fired: the configured share for an
        exact-wording question, else what the memory's confidence leaves unclaimed."""
        if rule == "exact_wording":
            return self.settings.retrieval_share
        return max(self.settings.retrieval_share, 1.0 - confidence)

    def ground(self, lookup: LogLookup) -> Grounding:
        """The memory half re-grounded (`SSMMemory.ground`). The retrieval index is a copy
        of the whole log: checking it would cost a replay, so it is not."""
        return self.ssm.ground(lookup)

    # -- snapshots (`SnapshotableMemory`) -------------------------------------------------
    def export_state(self) -> bytes:
        """The compressor's and the retrieval index's states, and the policy's fire counts."""
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
