"""The `hybrid` system: memory and retrieval in one relevance order, and old values it
fetches marked."""

from __future__ import annotations

from ssmem.bench import generate
from ssmem.bench.metrics import MARKERS
from ssmem.context import render_line
from ssmem.events import Event
from ssmem.systems.hybrid import HybridMemory
from ssmem.systems.merge import rank_positions


def test_memory_lines_take_budget_only_as_relevant_as_what_they_quote() -> None:
    """One relevance order (`merge.py`): outside the memory's first lines (within its
    `memory_lead` share), a memory line is in the context only when the retriever ranks an
    event it quotes; the session's constraints come first, within their share."""
    stream = generate("meeting", "eval", 1_000_007, 3000)
    mem = HybridMemory()
    mem.ingest(stream.events)
    budget = 512
    cfg = mem.settings
    slots = mem.ssm.materializer.slots.values()
    rules = {render_line(s.as_line()) for s in slots if s.type == "constraint"}
    assert rules
    fired = 0
    for q in [q for q in stream.questions if q.answers][:12]:
        ctx = mem.context(q.query, budget)
        assert ctx.tokens <= budget
        pos = rank_positions(mem.rag.hits(q.query))
        lines = [render_line(x) for x in mem.ssm.memory().read(q.query).noted()]
        first, spent = [], 0  # the memory's first lines within its lead (room < budget)
        for x in (x for x in lines if x not in rules):
            spent += mem.counter.count(x) + 1
            if spent > cfg.memory_lead * budget:
                break
            first.append(x)
        memory = ctx.of_kind("memory")
        shown_rules = [x for x in memory if render_line(x) in rules]
        assert {render_line(x) for x in shown_rules} == rules  # every constraint, first
        assert memory[: len(shown_rules)] == shown_rules
        assert sum(mem.counter.count(render_line(x)) + 1 for x in shown_rules) <= (
            budget * cfg.constraint_share + 1
        )
        for line in memory[len(shown_rules) :]:
            ranked = any(q in pos for q in line.provenance())
            assert ranked or render_line(line) in first, render_line(line)
        retrieved = ctx.of_kind("retrieved")
        assert ctx.info.retrieval.fire == bool(retrieved)
        assert ctx.info.retrieval.detail == f"{len(memory) - len(shown_rules)} memory and " + (
            f"{len(retrieved)} retrieved lines"
        )
        fired += bool(retrieved)
    assert fired  # retrieval adds lines for some of these questions


def test_constraints_take_at_most_their_share_and_the_answer_still_fits() -> None:
    """Real chat has many statements a memory may take as constraints; they used to fill
    whole prompts on LongMemEval (116-592 of 1,024 tokens)."""
    teams = ["legal", "finance", "sales", "design", "support", "security", "hr", "ops"]
    texts = [f"House rule, no exceptions: never email the {t} team directly." for t in teams]
    texts += [f"Leadership asked that we always copy the {t} lead on invoices." for t in teams]
    texts += ["Heard from the venue: the deposit for the Harbor Hall booking is 450 euros."]
    texts += [f"Lunch plans anyone? Table {i} is free." for i in range(30)]
    mem = HybridMemory()
    mem.ingest(Event(seq=i, text=t, source="ana") for i, t in enumerate(texts))
    slots = mem.ssm.materializer.slots.values()
    rules = {render_line(s.as_line()) for s in slots if s.type == "constraint"}
    budget = 128
    every = sum(mem.counter.count(x) + 1 for x in rules)
    assert every > budget * mem.settings.constraint_share  # they would not fit the share
    ctx = mem.context("What is the deposit for the Harbor Hall booking?", budget)
    shown = [render_line(x) for x in ctx.lines if render_line(x) in rules]
    assert shown and sum(mem.counter.count(x) + 1 for x in shown) <= budget // 4
    assert "450 euros" in ctx.render()
    query = "What is the deposit for the Harbor Hall booking?"
    ranked = mem.ssm.memory().read(query).ranked  # constraints come in the memory's order
    first = next(render_line(s.as_line()) for s in ranked if s.type == "constraint")
    assert first in rules and len(rules) > 1
    tiny = mem.context(query, 40)
    assert [render_line(x) for x in tiny.lines if render_line(x) in rules] == [first]


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
