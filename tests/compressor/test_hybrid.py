"""The `hybrid` system: how much budget retrieval gets, and old values it fetches marked."""

from __future__ import annotations

import pytest

from ssmem.bench import generate
from ssmem.bench.metrics import MARKERS
from ssmem.context import render_line
from ssmem.events import Event
from ssmem.systems.hybrid import HybridMemory
from ssmem.systems.policy import PolicyConfig


def test_low_confidence_hands_retrieval_the_share_memory_does_not_claim() -> None:
    stream = generate("meeting", "eval", 1_000_007, 3000)
    mem = HybridMemory(policy=PolicyConfig(min_confidence=1.01))  # every question: low
    mem.ingest(stream.events)
    budget = 512
    for category, rule in (("current_value", "low_confidence"), ("exact_quote", "exact_wording")):
        q = next(q for q in stream.questions if q.category == category)
        ctx = mem.context(q.query, budget)
        assert ctx.info.retrieval.rule == rule
        conf = ctx.info.confidence
        share = 0.35 if rule == "exact_wording" else max(0.35, 1.0 - conf)
        assert ctx.info.retrieval.share == pytest.approx(share)
        # The share splits what the session's constraints leave (they are in every context).
        constraints = mem.constraint_tokens()
        assert constraints > 0
        kept = sum(s.tokens + 1 for s in ctx.segments if s.kind != "retrieved")
        assert kept <= budget - int((budget - constraints) * share) + 1
        memory = next(s.text for s in ctx.segments if s.kind == "memory")
        shown = [x for x in memory.split("\n") if x]
        slots = mem.ssm.materializer.slots.values()
        rules = [render_line(s.as_line()) for s in slots if s.type == "constraint"]
        assert set(rules) <= set(shown)
        assert ctx.tokens <= budget
        assert any(s.kind == "retrieved" for s in ctx.segments)


def test_an_old_value_is_never_shown_unmarked() -> None:
    chatter = [
        "Lunch plans anyone? The new place downstairs opened today.",
        "Can you all hear me? My connection dropped twice.",
        "Reminder: the quarterly party is on the shared calendar.",
        "Sorry I'm late, the coffee machine was broken again.",
    ]
    texts = ["Solar Grove: due date set at October 1, everyone agreed."]
    texts += [chatter[i % len(chatter)] + f" ({i})" for i in range(40)]
    texts += ["We moved the due date for Solar Grove to August 8."]
    texts += ["Solar Bluff: due date set at July 7, everyone agreed."]
    texts += [chatter[i % len(chatter)] + f" ({i})" for i in range(40, 60)]
    events = [Event(seq=i, text=t, source="ana") for i, t in enumerate(texts)]
    # As trained, and with a memory that keeps nothing (both values reach the prompt only
    # through retrieval, as raw lines with no slot behind them).
    for keep in (None, 1.01):
        mem = HybridMemory()
        if keep is not None:
            mem.ssm.materializer.config.keep_threshold = keep
        mem.ingest(events)
        ctx = mem.context("What is the exact due date for Solar Grove?", 256)
        assert ctx.info.retrieval.rule == "exact_wording"
        lines = ctx.render().split("\n")
        assert any("August 8" in x and not MARKERS.search(x) for x in lines)
        old = [x for x in lines if "October 1" in x]
        assert old and all(MARKERS.search(x) for x in old)
        assert not any("July 7" in x and MARKERS.search(x) for x in lines)  # another project


def test_a_read_without_a_query_keeps_what_every_prompt_must_have() -> None:
    """With no question the memory's confidence is 0, and retrieval used to take the whole
    budget (share 1.0) for an empty query, dropping the session's constraint (issue 17)."""
    from ssmem.events import Event

    mem = HybridMemory()
    events = [Event(seq=0, text="Mia is allergic to peanuts; never order satay.", source="Ana")]
    events += [
        Event(seq=i, text=f"Pizza night {i}? I can bring the drinks.", source="Bo")
        for i in range(1, 200)
    ]
    mem.ingest(events)
    ctx = mem.context("", 256)
    assert ctx.info.retrieval is not None and not ctx.info.retrieval.fire
    assert 0 in ctx.seqs() and "peanuts" in ctx.render()
    assert not ctx.of_kind("retrieved")
