"""The orchestrator: one budget in the reader's tokens, the system's context rendered as it
is (the text the benchmark scores), citations parsed back, abstention, and the retrieval
decision taken from the system, never made again."""

from __future__ import annotations

import pytest

from ssmem.context import Context, ContextInfo, Line, Retrieval, make_context
from ssmem.demo import demo_stream
from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.llm.fake import FakeBackend
from ssmem.orchestrator import OrchestratorConfig, answer, build_prompt, parse_citations
from ssmem.systems import make_system
from ssmem.systems.base import Stats


class MemoryAndWindow:
    """A two-kind system (memory lines + recent window) that counts its context calls."""

    name = "mem+win"

    def __init__(self, counter, memory: list[Event], events: list[Event], info=None) -> None:
        self.counter = counter
        self.memory = memory
        self.window = make_system("window", counter)
        self.window.ingest(events)
        self.info = info or ContextInfo()
        self.calls = 0

    def ingest(self, events) -> None:
        self.window.ingest(events)

    def context(self, query: str, budget: int) -> Context:
        self.calls += 1
        mem = [Line.of_event(e, "memory") for e in self.memory]
        used = make_context(self.name, 10**9, self.counter, mem).tokens
        win = self.window.window_lines(max(0, budget - used - 1))
        return make_context(self.name, budget, self.counter, [*mem, *win.lines], self.info)

    def stats(self) -> Stats:
        return Stats(0, 0)


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
        for budget in (126, 127, 133, 144, 200, 333, 512, 1024):  # instructions: 116
            for q in questions[:3]:
                calls = len(fake.calls)
                ans = answer(system, q.query, budget, fake)
                if len(fake.calls) == calls:  # nothing fitted: abstained without a prompt
                    assert budget < 136 and ans.prompt_tokens == 0
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


def test_strip_citations_leaves_no_empty_brackets() -> None:
    from ssmem.orchestrator import strip_citations

    assert strip_citations("August 27 ([#85]).") == "August 27"
    assert strip_citations("Dara [#3] owns it [#7, #9]") == "Dara owns it"
    assert strip_citations("(see budget) $5 [#1]") == "(see budget) $5"


def test_the_reader_sees_exactly_the_systems_rendering(reader_counter, stream):
    events, _ = stream
    memory = [Event(seq=3, text="Ana owns Atlas.", source="memory")]
    system = MemoryAndWindow(reader_counter, memory, events)
    prompt = build_prompt(system, "Who owns Atlas?", 400, reader_counter)
    assert system.calls == 1  # one context, never re-fetched at another size
    assert f"Notes:\n{prompt.context.render()}\n\nQuestion:" in prompt.text
    assert prompt.context.render().startswith("[#3] memory: Ana owns Atlas.")
    assert prompt.context.tokens <= 400


def test_retrieval_decision_is_the_systems(reader_counter, stream):
    events, _ = stream
    fired = ContextInfo(retrieval=Retrieval(True, "exact_wording", "asks for exact text", 0.35))
    system = MemoryAndWindow(reader_counter, [], events[:5], info=fired)
    ans = answer(system, "Who owns Atlas?", 400, FakeBackend(counter=reader_counter))
    assert ans.retrieval_fired == "exact_wording"  # the orchestrator does not decide again
    assert ans.to_dict()["retrieval_detail"] == "asks for exact text"
    quiet = MemoryAndWindow(reader_counter, [], events[:5])
    assert (
        answer(
            quiet, "What was the exact error?", 400, FakeBackend(counter=reader_counter)
        ).retrieval_fired
        is None
    )


def test_a_note_reaches_the_reader_even_when_its_line_is_cut(reader_counter):
    class Marked(MemoryAndWindow):
        def context(self, query, budget):
            old = Line(
                "memory", (4,), "Budget is $7,200 " + "and more words " * 60, superseded_by=9
            )
            new = Line("memory", (9,), "Budget is now $9,000.")
            return make_context(self.name, budget, self.counter, [new, old])

    prompt = build_prompt(Marked(reader_counter, [], []), "Budget?", 200, reader_counter)
    lines = prompt.context.render().split("\n")
    assert lines[-1].startswith("[#4] Budget is $7,200") and "…" in lines[-1]
    assert lines[-1].endswith("(superseded by #9)")
