"""The `hybrid` system: the `ssm` context, plus retrieval over the raw log when a policy fires.

Retrieval is an exact-recall and provenance tool, not a default: it fires only when the
question asks for exact wording, when memory confidence for the question is low, or when no
memory line covers it (`ssmem.retrieval_policy`). When it fires, `retrieval_share` of the
budget goes to retrieved snippets (events already shown are skipped) and the rest to the
`ssm` context; `Context.info["retrieval_fired"]` names the rule, or None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ssmem.compressor.marking import mark, superseded_map
from ssmem.compressor.system import SSMMemory
from ssmem.events import Event
from ssmem.retrieval_policy import PolicyConfig, decide
from ssmem.systems.base import Context, Segment, Stats, check_budget, make_context
from ssmem.systems.rag import RAGConfig, RAGMemory
from ssmem.tokens import TokenCounter, default_counter


@dataclass
class HybridConfig:
    retrieval_share: float = 0.35


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
        base = self.ssm.context(query, budget)
        confidence = self.ssm.memory().confidence(query)
        probe = Context(
            base.system,
            budget,
            base.segments,
            base.tokens,
            {**base.info, "memory_confidence": confidence},
        )
        decision = decide(query, probe, self.policy)
        info = {**probe.info, "retrieval_fired": decision.rule, "retrieval_detail": decision.detail}
        if not decision.fire:
            return make_context(self.name, budget, self.counter, list(base.segments), info)
        self.fired[decision.rule] = self.fired.get(decision.rule, 0) + 1
        r_budget = int(budget * self.config.retrieval_share)
        rest = self.ssm.context(query, budget - r_budget)
        shown = rest.seqs()
        superseded = superseded_map(self.ssm.materializer.slots)
        probable = rest.info.get("probably_superseded", {})
        marked = set(rest.info.get("marked_seqs", []))
        retrieved: list[Segment] = []
        room = budget - rest.tokens - 1
        for raw in self.rag.context(query, r_budget).segments:
            if raw.kind != "retrieved" or set(raw.seqs) <= shown:
                continue
            seg = mark(raw, superseded, self.counter, probable)
            if seg.tokens + 1 <= room:
                retrieved.append(seg)
                marked |= {q for q in seg.seqs if q in superseded or q in probable}
                room -= seg.tokens + 1
        info = {**info, "marked_seqs": sorted(marked), "probably_superseded": probable}
        return make_context(self.name, budget, self.counter, [*rest.segments, *retrieved], info)

    def stats(self) -> Stats:
        a, b = self.ssm.stats(), self.rag.stats()
        return Stats(events=a.events, state_bytes=a.state_bytes + b.state_bytes)
