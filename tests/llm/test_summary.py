"""Summarization memory: LLM calls per write, hierarchy, provenance, budgets, determinism.

The structure tests use the fake reader (they test which prompts are written and when);
determinism and the registered system use the real smallest model.
"""

from __future__ import annotations

import pytest

from ssmem.events import Event
from ssmem.llm.fake import FakeBackend
from ssmem.systems import make_system
from ssmem.systems.summary import SummaryConfig, SummaryMemory


def first_and_last(messages):
    """A fake summariser: bullets copying the first and last line of the notes it was given."""
    notes = messages[-1]["content"].split("Notes:\n")[1].split("\n\n")[0].split("\n")
    return f"- {notes[0]}\n- {notes[-1]}\n- {notes[-1]}"


@pytest.fixture(scope="module")
def events():
    """Distinct notes, so each summary line can be traced to exactly one of them."""
    names = ("Ana", "Bo", "Chen", "Dara")
    return [
        Event(seq=i, text=f"Project P{i} budget is now ${i * 100}.", source=names[i % 4])
        for i in range(100)
    ]


def test_rolling_calls_the_llm_once_per_k_events(events):
    fake = FakeBackend(first_and_last)
    mem = SummaryMemory(fake, config=SummaryConfig(every=10))
    mem.ingest(events[:35])
    assert mem.stats().llm_calls == 3 == len(fake.calls)
    assert mem.stats().events == 35
    # each write sees the previous summary (untagged) and only the new events
    last = fake.calls[-1][-1]["content"]
    assert last.startswith("Summary so far:\n- " + events[10].source)
    assert events[20].text in last and events[19].text not in last.split("Notes:")[1]
    assert "[#" not in last  # tagged notes make small writers copy instead of summarise
    mem.flush()
    assert mem.stats().llm_calls == 4 and len(mem.summaries()) == 1


def test_hierarchical_merges_fanout_summaries_into_the_next_level(events):
    fake = FakeBackend(first_and_last)
    mem = SummaryMemory(fake, config=SummaryConfig(every=5, mode="hierarchical", fanout=2))
    mem.ingest(events[:40])  # 8 chunks: 8 leaf writes + 4 + 2 + 1 merges
    assert mem.stats().llm_calls == 15
    levels = [s.level for s in mem.summaries()]
    assert levels == [3]
    mem.ingest(events[40:45])
    assert [s.level for s in mem.summaries()] == [3, 0]


def test_context_fits_budget_cites_provenance_and_never_calls_the_llm(events):
    fake = FakeBackend(first_and_last)
    mem = SummaryMemory(fake, config=SummaryConfig(every=10))
    mem.ingest(events)
    calls = len(fake.calls)
    for budget in (0, 5, 40, 120, 400):
        ctx = mem.context("Who owns Atlas?", budget)
        assert ctx.tokens <= budget and mem.counter.count(ctx.render()) == ctx.tokens
    assert len(fake.calls) == calls
    ctx = mem.context("Who owns Atlas?", 400)
    memory = next(s for s in ctx.segments if s.kind == "memory")
    # provenance: the events the lines came from (word overlap), not every covered event
    assert memory.seqs == (90, 99)
    assert memory.text.split("\n")[0] == f"[#90] {events[90].source}: {events[90].text}"
    assert [s.kind for s in ctx.segments] == ["memory", "window"]
    assert ctx.segments[1].seqs[-1] == events[-1].seq  # recent raw events after the summary


def test_untagged_summary_lines_get_the_range_they_cover(events):
    reply = "1. Zeppelin is late.\n* Quokka left."
    mem = SummaryMemory(FakeBackend(reply), config=SummaryConfig(every=10))
    mem.ingest(events[:10])
    text = mem.context("q", 200).segments[0].text
    assert text == "[#0-#9] Zeppelin is late.\n[#0-#9] Quokka left."


@pytest.mark.slow
def test_registered_system_is_deterministic_with_the_real_model(events, monkeypatch):
    monkeypatch.setenv("SSMEM_SUMMARY_BACKEND", "smollm2-135m")
    runs = []
    for _ in range(2):
        mem = make_system("summary")
        mem.config.every = 8
        mem.config.summary_tokens = 24
        mem.ingest(events[:8])
        runs.append([s.text for s in mem.summaries()])
        assert mem.stats().llm_calls == 1
    assert runs[0] == runs[1] and runs[0][0]


def test_a_tag_the_writer_writes_is_text_not_provenance(events):
    """Provenance comes from typed seqs. Before, a summary line with '[#' anywhere in it
    kept whatever tag the LLM wrote, and its numbers were read back as cited events."""
    reply = "- Zeppelin moved [#99] to Friday.\n- Quokka left."
    mem = SummaryMemory(FakeBackend(reply), config=SummaryConfig(every=10))
    mem.ingest(events[:10])
    ctx = mem.context("q", 200)
    memory = next(s for s in ctx.segments if s.kind == "memory")
    # and the tag it wrote never renders: a line imitating the memory's records is
    # withheld (context/screen.py), so it cannot read as provenance either
    first = memory.text.split("\n")[0]
    assert first.startswith("[#0-#9] (withheld: ") and "99" not in first
    assert 99 not in ctx.seqs()
