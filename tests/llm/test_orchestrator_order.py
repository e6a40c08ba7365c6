"""The reader sees the notes in time order, each event once: a hybrid context lists memory,
then the recent window, then older retrieved lines, and a small reader took the last line
it read (an old retrieved value) for the newest."""

from __future__ import annotations

from ssmem.context import Line, make_context
from ssmem.llm.fake import FakeBackend
from ssmem.orchestrator import answer, build_prompt, in_time_order
from ssmem.systems.base import Stats
from ssmem.tokens import default_counter


class Fixed:
    """A system whose context is fixed lines, in the order a hybrid hands them over."""

    name = "fixed"

    def __init__(self, counter, lines) -> None:
        self.counter, self.lines = counter, lines

    def ingest(self, events) -> None:
        pass

    def context(self, query: str, budget: int):
        return make_context(self.name, budget, self.counter, self.lines)

    def stats(self) -> Stats:
        return Stats(0, 0)


LINES = [
    Line("memory", (45,), "Revised CO-2 to $1,600. Running total $41,950.", "Mike", open=False),
    Line("window", (66,), "sorry wrong chat lol", "Dana"),
    Line("retrieved", (41,), "Running total with CO-1 and CO-2 is $45,250.", "Mike"),
    Line("retrieved", (45,), "Revised CO-2 to $1,600. Running total $41,950.", "Mike"),
]


def test_notes_reach_the_reader_oldest_first_and_once():
    counter = default_counter()
    prompt = build_prompt(Fixed(counter, LINES), "What's the running total?", 512, counter)
    notes = prompt.messages[1]["content"]
    assert notes.index("[#41]") < notes.index("[#45]") < notes.index("[#66]")
    assert notes.count("[#45]") == 1
    # the context the system built (what the benchmark scores) is unchanged
    assert [line.seq for line in prompt.context.lines] == [45, 66, 41, 45]


def test_the_longer_rendering_of_a_repeated_event_stays():
    short = Line("window", (7,), "4471 to them, ok?", "Mike", cut="tail")
    full = Line("retrieved", (7,), "I'll pass 4471 to them, ok?", "Mike")
    assert in_time_order((short, full)) == [full]


def test_answer_cites_a_note_shown_once():
    counter = default_counter()
    fake = FakeBackend("$41,950 [#45]", counter=counter)
    ans = answer(Fixed(counter, LINES), "What's the running total?", 512, fake)
    assert ans.answer == "$41,950" and ans.citations == [45]


def test_a_reply_that_only_cites_a_note_is_answered_with_that_note():
    counter = default_counter()
    fake = FakeBackend("[#45]", counter=counter)
    ans = answer(Fixed(counter, LINES), "What's the running total?", 512, fake)
    assert ans.answer == "Revised CO-2 to $1,600. Running total $41,950."
    assert ans.citations == [45]
