"""The orchestrator: one budget in the reader's tokens, labelled cited sections, adaptive
shares, citations parsed back, abstention, and retrieval when the policy fires."""

from __future__ import annotations

import re

import pytest

from ssmem.demo import demo_stream
from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.llm.fake import FakeBackend
from ssmem.orchestrator import (
    OrchestratorConfig,
    allocate,
    answer,
    build_prompt,
    parse_citations,
)
from ssmem.systems import make_system
from ssmem.systems.base import Context, Segment, Stats, make_context


class MemoryAndWindow:
    """A two-kind system (memory lines + recent window), as the SSM/hybrid systems will be."""

    name = "mem+win"

    def __init__(self, counter, memory: list[Event], events: list[Event], info=None) -> None:
        self.counter = counter
        self.memory = memory
        self.window = make_system("window", counter)
        self.window.ingest(events)
        self.info = info or {}

    def ingest(self, events) -> None:
        self.window.ingest(events)

    def context(self, query: str, budget: int) -> Context:
        text = "\n".join(e.label() for e in self.memory)
        mem = Segment("memory", tuple(e.seq for e in self.memory), text, self.counter.count(text))
        win = self.window.window_segment(max(0, budget - mem.tokens - 1))
        return make_context(self.name, budget, self.counter, [mem, win], self.info)

    def stats(self) -> Stats:
        return Stats(0, 0)


class ListRetriever:
    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        self.calls = 0

    def retrieve(self, query: str, budget: int) -> list[Segment]:
        self.calls += 1
        return self.segments


@pytest.fixture(scope="module")
def stream():
    events, questions = demo_stream(0, rounds=120)
    return events, questions


def test_budget_is_never_exceeded_in_reader_tokens(reader_counter, stream):
    events, questions = stream
    fake = FakeBackend(counter=reader_counter)
    memory = [Event(seq=5, text="Atlas budget is $9,000 (was $4,000).", source="memory")]
    window = make_system("window", reader_counter)
    window.ingest(events)
    for system in (window, MemoryAndWindow(reader_counter, memory, events)):
        for budget in (110, 111, 117, 128, 200, 333, 512, 1024):
            for q in questions[:3]:
                calls = len(fake.calls)
                ans = answer(system, q.query, budget, fake)
                if len(fake.calls) == calls:  # nothing fitted: abstained without a prompt
                    assert budget < 120 and ans.prompt_tokens == 0
                    continue
                whole = sum(reader_counter.count(m["content"]) for m in fake.calls[-1])
                assert whole + OrchestratorConfig().template_reserve <= budget
                assert ans.prompt_tokens == whole


@pytest.mark.slow
def test_the_reader_itself_sees_no_more_than_the_budget(small_backend, stream):
    events, questions = stream
    system = make_system("window", small_backend.counter)
    system.ingest(events)
    for budget in (160, 300):
        ans = answer(system, questions[0].query, budget, small_backend)
        assert 0 < ans.prompt_tokens <= budget  # counted by llama.cpp, chat template included


def test_budget_too_small_for_the_question_is_an_input_error(reader_counter):
    system = make_system("window", reader_counter)
    with pytest.raises(InputError, match="budget 20 is too small"):
        answer(system, "Who owns Atlas?", 20, FakeBackend(counter=reader_counter))


def test_sections_are_labelled_and_every_line_is_cited(reader_counter, stream):
    events, _ = stream
    memory = [Event(seq=3, text="Ana owns Atlas.", source="memory")]
    system = MemoryAndWindow(reader_counter, memory, events)
    ans = answer(system, "Who owns Atlas?", 400, FakeBackend(counter=reader_counter))
    assert [s.kind for s in ans.sections] == ["memory", "window"]
    assert "Memory:\n[#3] memory: Ana owns Atlas." in ans.prompt
    assert ans.prompt.index("Memory:") < ans.prompt.index("Recent events:")
    for s in ans.sections:
        for line in s.text.split("\n"):
            assert re.match(r"\[#\d+", line), line
        assert s.tokens == reader_counter.count(s.text)


def test_lines_without_tags_get_their_segment_seqs(reader_counter):
    class Untagged(MemoryAndWindow):
        def context(self, query, budget):
            seg = Segment("memory", (4, 9), "Atlas is late.\nBo is on leave.", 10)
            return make_context(self.name, budget, self.counter, [seg])

    system = Untagged(reader_counter, [], [])
    sections, _, _ = build_prompt(system, "Is Atlas late?", 300, reader_counter)
    assert sections[0].text == "[#4-#9] Atlas is late.\n[#4-#9] Bo is on leave."


def test_shares_adapt_when_a_section_has_less_to_say():
    assert allocate({"memory": 10, "window": 500}, {"memory": 0.5, "window": 0.5}, 200) == {
        "memory": 10,
        "window": 190,
    }
    split = allocate({"memory": 900, "window": 900}, {"memory": 0.75, "window": 0.25}, 400)
    assert split == {"memory": 300, "window": 100}
    assert allocate({"memory": 0, "window": 50}, {"memory": 1, "window": 0}, 100) == {
        "memory": 0,
        "window": 0,
    }


def test_configured_shares_bound_each_section(reader_counter, stream):
    events, _ = stream
    memory = [Event(seq=i, text=f"fact number {i} about Atlas", source="m") for i in range(40)]
    system = MemoryAndWindow(reader_counter, memory, events)
    cfg = OrchestratorConfig(shares={"memory": 0.2, "window": 0.8, "retrieved": 0.0})
    sections, _, _ = build_prompt(system, "Atlas?", 600, reader_counter, config=cfg)
    kinds = {s.kind: s.tokens for s in sections}
    assert kinds["window"] > 2 * kinds["memory"] > 0


def test_citations_are_parsed_and_checked_against_what_was_shown():
    shown = {3, 12, 40}
    assert parse_citations("$7,500 [#12]", shown) == [12]
    assert parse_citations("Bo [#3, #12] and [#99]", shown) == [3, 12]
    assert parse_citations("from [#12-#40]", shown) == [12, 40]
    assert parse_citations("#12 without brackets", shown) == []


def test_answer_strips_citation_tags_and_returns_them(reader_counter, stream):
    events, _ = stream
    system = make_system("window", reader_counter)
    system.ingest(events)
    last = events[-1].seq
    fake = FakeBackend(f"Bo [#{last}] [#100000]", counter=reader_counter)
    ans = answer(system, "Who owns Atlas?", 300, fake)
    assert ans.answer == "Bo" and ans.citations == [last]
    assert ans.raw == f"Bo [#{last}] [#100000]"


def test_abstains_without_calling_the_reader_when_nothing_is_in_memory(reader_counter):
    fake = FakeBackend("should not be called", counter=reader_counter)
    ans = answer(make_system("window", reader_counter), "Who owns Atlas?", 200, fake)
    assert ans.answer == "not in memory" and ans.citations == [] and not fake.calls


def test_reader_abstention_drops_citations(reader_counter, stream):
    events, _ = stream
    system = make_system("window", reader_counter)
    system.ingest(events)
    fake = FakeBackend(f"Not in memory [#{events[-1].seq}]", counter=reader_counter)
    ans = answer(system, "Who is the CEO?", 200, fake)
    assert ans.answer == "not in memory" and ans.citations == []


def test_retrieval_fires_by_policy_and_fills_its_section(reader_counter, stream):
    events, _ = stream
    memory = [Event(seq=1, text="Ana owns Atlas.", source="m")]
    system = MemoryAndWindow(reader_counter, memory, events[:5])
    snippet = Segment("retrieved", (77,), "[#77] log: ERROR disk /dev/sda1 full", 12)
    retriever = ListRetriever([snippet])
    fake = FakeBackend(counter=reader_counter)
    ans = answer(system, "What was the exact error text?", 400, fake, retriever=retriever)
    assert ans.retrieval_fired == "exact_wording" and retriever.calls == 1
    assert "Retrieved:\n[#77] log: ERROR disk /dev/sda1 full" in ans.prompt
    ans = answer(system, "Who owns Atlas?", 400, fake, retriever=retriever)
    assert ans.retrieval_fired is None and retriever.calls == 1
    assert all(s.kind != "retrieved" for s in ans.sections)
    low = MemoryAndWindow(reader_counter, memory, [], info={"memory_confidence": 0.1})
    assert answer(low, "Who owns Atlas?", 400, fake, retriever=retriever).retrieval_fired == (
        "low_confidence"
    )


def test_strip_citations_leaves_no_empty_brackets() -> None:
    from ssmem.orchestrator import strip_citations

    assert strip_citations("August 27 ([#85]).") == "August 27"
    assert strip_citations("Dara [#3] owns it [#7, #9]") == "Dara owns it"
    assert strip_citations("(see budget) $5 [#1]") == "(see budget) $5"
