"""The `hybrid` system: the `ssm` context, plus retrieval over the raw log when a policy fires.

Retrieval is an exact-recall and provenance tool, not a default: it fires only when the
question asks for exact wording, when memory confidence for the question is low, or when no
memory line covers it (`ssmem.retrieval_policy`). When it fires, part of the budget goes to
retrieved snippets (events already shown are skipped) and the rest to the `ssm` context:
`retrieval_share` for an exact-wording question (the memory still answers what is current),
and otherwise the share the memory's own confidence does not claim, `1 - confidence`, never
less than `retrieval_share`. The share splits the budget the session's constraints leave:
they are shown in every context, so they are not room the memory competes for.
`Context.info["retrieval_fired"]` names the rule, or None, and `info["retrieval_share"]` the
share used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ssmem.compressor.consolidate import Candidate, superseded_lines
from ssmem.compressor.marking import line_seq, mark, superseded_map
from ssmem.compressor.system import SSMMemory
from ssmem.events import Event
from ssmem.retrieval_policy import PolicyConfig, decide, decide_early
from ssmem.systems.base import Context, Segment, Stats, check_budget, make_context
from ssmem.systems.rag import RAGConfig, RAGMemory
from ssmem.tokens import TokenCounter, default_counter


@dataclass
class HybridConfig:
    retrieval_share: float = 0.35  # of the budget when retrieval fires (at least)


class HybridMemory:
    name = "hybrid"

    def __init__(
        self,
        counter: TokenCounter | None = None,
        ssm: SSMMemory | None = None,
        config: HybridConfig | None = None,
        policy: PolicyConfig | None = None,
    ) -> None:
        self.counter = counter or default_counter()
        self.config = config or HybridConfig()
        self.policy = policy or PolicyConfig()
        self.ssm = ssm or SSMMemory(self.counter)
        self.rag = RAGMemory(self.counter, RAGConfig(window_share=0.0))
        self.fired: dict[str, int] = {}

    def ingest(self, events: Iterable[Event]) -> None:
        batch = list(events)
        self.ssm.ingest(batch)
        self.rag.ingest(batch)

    def context(self, query: str, budget: int) -> Context:
        check_budget(budget)
        confidence = self.ssm.memory().confidence(query)
        decision = decide_early(query, confidence, self.policy)
        base = None
        if decision is None:  # only the coverage rule needs the memory's context first
            base = self.ssm.context(query, budget)
            probe = {**base.info, "memory_confidence": confidence}
            decision = decide(query, replace(base, info=probe), self.policy)
        fired = {"retrieval_fired": decision.rule, "retrieval_detail": decision.detail}
        if base is not None and not decision.fire:  # an early decision always fires
            info = {**base.info, "memory_confidence": confidence, **fired}
            return make_context(self.name, budget, self.counter, list(base.segments), info)
        self.fired[decision.rule] = self.fired.get(decision.rule, 0) + 1
        share = self.share(decision.rule, confidence)
        # The session's constraints are shown in every context: they are overhead of the
        # memory part, not room it competes for, so the share splits what they leave.
        r_budget = int(max(0, budget - self.constraint_tokens()) * share)
        rest = self.ssm.context(query, budget - r_budget)
        info = {**rest.info, "memory_confidence": confidence, **fired, "retrieval_share": share}
        shown = rest.seqs()
        superseded = superseded_map(self.ssm.materializer.slots)
        probable = rest.info.get("probably_superseded", {})
        marked = set(rest.info.get("marked_seqs", []))
        raws = [
            raw
            for raw in self.rag.context(query, r_budget).segments
            if raw.kind == "retrieved" and not set(raw.seqs) <= shown
        ]
        probable = {**self.older_retrieved(query, rest, raws), **probable}
        retrieved: list[Segment] = []
        room = budget - rest.tokens - 1
        for raw in raws:
            seg = mark(raw, superseded, self.counter, probable)
            if seg.tokens + 1 <= room:
                retrieved.append(seg)
                marked |= {q for q in seg.seqs if q in superseded or q in probable}
                room -= seg.tokens + 1
        info = {**info, "marked_seqs": sorted(marked), "probably_superseded": probable}
        return make_context(self.name, budget, self.counter, [*rest.segments, *retrieved], info)

    def older_retrieved(self, query: str, rest: Context, raws: list[Segment]) -> dict[int, int]:
        """Retrieved events (seq -> newer seq) that a newer line the reader sees (memory,
        window or retrieved) probably superseded: read-time consolidation (`consolidate.py`)
        over the whole prompt, so an old value fetched from the raw log is marked too."""
        slots = {s.current.seq: s for s in self.ssm.materializer.slots.values()}
        lines: dict[int, Candidate] = {}
        fetched: set[int] = set()
        for seg in [*rest.segments, *raws]:
            if seg.kind == "memory":  # slot lines (with history traces): the slot itself
                lines.update((q, Candidate.of(slots[q])) for q in seg.seqs if q in slots)
                continue
            for text in seg.text.split("\n"):
                seq = None if text.startswith("…") else line_seq(text)  # a cut line: unseen
                if seq is None:
                    continue
                own = self.rag.event_text(seq)  # as a slot holds it: no source label
                if seq in slots:
                    lines[seq] = Candidate.of(slots[seq])
                elif own is not None:
                    lines[seq] = Candidate(seq, own)
                if seg.kind == "retrieved":
                    fetched.add(seq)
        read_match = self.ssm.materializer.config.read_match
        older = superseded_lines(list(lines.values()), query, self.ssm.lexicon, read_match)
        return {seq: newer for seq, newer in older.items() if seq in fetched}

    def constraint_tokens(self) -> int:
        """Tokens the memory's constraint lines take (each with its newline)."""
        slots = self.ssm.materializer.slots.values()
        return sum(self.counter.count(s.line()) + 1 for s in slots if s.type == "constraint")

    def share(self, rule: str | None, confidence: float) -> float:
        """The budget share retrieval gets when `rule` fired: the configured share for an
        exact-wording question, else what the memory's confidence leaves unclaimed."""
        if rule == "exact_wording":
            return self.config.retrieval_share
        return max(self.config.retrieval_share, 1.0 - confidence)

    def stats(self) -> Stats:
        a, b = self.ssm.stats(), self.rag.stats()
        return Stats(events=a.events, state_bytes=a.state_bytes + b.state_bytes)
