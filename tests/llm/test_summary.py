"""Summarization memory: LLM calls per write, hierarchy, provenance, budgets, determinism.

The structure tests use the fake reader (they test which prompts are written and when);
determinism and the registered system use the real smallest model.
"""

from __future__ import annotations

import re

import pytest

from ssmem.demo import demo_stream
from ssmem.llm.fake import FakeBackend
from ssmem.systems import make_system
from ssmem.systems.summary import SummaryConfig, SummaryMemory


def cite_first_and_last(messages):
    """A fake summariser: one line citing the first and last tag of the notes it was given."""
    tags = re.findall(r"\[#(\d+)", messages[-1]["content"].split("New notes:")[1])
    return f"facts from [#{tags[0]}] to [#{tags[-1]}]"


@pytest.fixture(scope="module")
def events():
    return demo_stream(0, rounds=100)[0]


def test_rolling_calls_the_llm_once_per_k_events(events):
    fake = FakeBackend(cite_first_and_last)
    mem = SummaryMemory(fake, config=SummaryConfig(every=10))
    mem.ingest(events[:35])
    assert mem.stats().llm_calls == 3 == len(fake.calls)
    assert mem.stats().events == 35
    # each write sees the previous summary and only the new events
    last = fake.calls[-1][-1]["content"]
    assert "facts from [#10] to [#19]" in last and "[#20]" in last and "[#19] " not in last
    mem.flush()
    assert mem.stats().llm_calls == 4 and len(mem.summaries()) == 1


def test_hierarchical_merges_fanout_summaries_into_the_next_level(events):
    fake = FakeBackend(cite_first_and_last)
    mem = SummaryMemory(fake, config=SummaryConfig(every=5, mode="hierarchical", fanout=2))
    mem.ingest(events[:40])  # 8 chunks: 8 leaf writes + 4 + 2 + 1 merges
    assert mem.stats().llm_calls == 15
    levels = [s.level for s in mem.summaries()]
    assert levels == [3]
    mem.ingest(events[40:45])
    assert [s.level for s in mem.summaries()] == [3, 0]


def test_context_fits_budget_cites_provenance_and_never_calls_the_llm(events):
    fake = FakeBackend(cite_first_and_last)
    mem = SummaryMemory(fake, config=SummaryConfig(every=10))
    mem.ingest(events)
    calls = len(fake.calls)
    for budget in (0, 5, 40, 120, 400):
        ctx = mem.context("Who owns Atlas?", budget)
        assert ctx.tokens <= budget and mem.counter.count(ctx.render()) == ctx.tokens
    assert len(fake.calls) == calls
    ctx = mem.context("Who owns Atlas?", 400)
    memory = next(s for s in ctx.segments if s.kind == "memory")
    assert memory.seqs == (90, 99)  # the tags the summary kept, not every covered event
    assert [s.kind for s in ctx.segments] == ["memory", "window"]
    assert ctx.segments[1].seqs[-1] == events[-1].seq  # recent raw events after the summary


def test_untagged_summary_lines_get_the_range_they_cover(events):
    mem = SummaryMemory(FakeBackend("Atlas is late.\nBo left."), config=SummaryConfig(every=10))
    mem.ingest(events[:10])
    text = mem.context("q", 200).segments[0].text
    assert text == "[#0-#9] Atlas is late.\n[#0-#9] Bo left."


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
