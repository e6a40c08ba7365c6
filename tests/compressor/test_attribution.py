"""Learned update attribution with the shipped checkpoint, on hand-written chats whose wording
no generator template has: an implicit update takes the live thread as its subject, never a
thread the conversation has left, and renders next to that subject, with the value it
replaces marked at read time."""

from __future__ import annotations

import pytest

from ssmem.events import Event
from ssmem.systems.ssm import SSMMemory

VENUE = [
    ("Ana", "Booked the Harbor Hall venue for Gran's 80th, the deposit is $300."),
    ("Ben", "The cake is coming from Rosa's Bakery."),
    ("Ana", "haha the cat knocked over the plant again"),
    ("Ben", "Did the Harbor Hall people ever confirm the deposit?"),
    ("Cleo", "running late, traffic is awful"),
    ("Ana", "They rang this morning, it went up to $450."),
]


def ingest(lines: list[tuple[str, str]]) -> SSMMemory:
    mem = SSMMemory()
    mem.ingest([Event(seq=i, text=t, source=who) for i, (who, t) in enumerate(lines)])
    return mem


def holding(mem: SSMMemory, seq: int):
    """The live slot whose current value is event `seq`."""
    return next(s for s in mem.materializer.slots.values() if s.current.seq == seq)


@pytest.fixture(scope="module")
def venue() -> SSMMemory:
    return ingest(VENUE)


def test_an_implicit_update_takes_the_live_thread_as_its_subject(venue) -> None:
    slot = holding(venue, 5)
    assert slot.thread is not None and slot.thread.seq in (0, 3)  # an event naming the deposit
    line = slot.as_line()
    assert line.subject is not None and "Harbor Hall" in line.subject.text


def test_the_new_value_reads_next_to_its_subject_and_the_old_one_is_marked(venue) -> None:
    text = venue.context("What is the Harbor Hall deposit now?", 512).render()
    new = next(x for x in text.split("\n") if x.startswith("[#5]"))
    assert "$450" in new and "Harbor Hall" in new and "(about #" in new
    old = next(x for x in text.split("\n") if x.startswith("[#0]"))
    assert "(probably superseded by #5)" in old


@pytest.mark.xfail(
    strict=True,
    reason="known miss of the shipped attribution heads: after an explicit topic switch the "
    "pointer still prefers the older question-like mention (score 0.51 vs 0.24); see README, "
    "Implicit updates",
)
def test_an_update_never_takes_a_subject_across_a_topic_switch() -> None:
    mem = ingest(
        [
            ("Ana", "Booked the Harbor Hall venue for Gran's 80th, the deposit is $300."),
            ("Ben", "Dad's pickup from the airport on Friday is with Tomas."),
            ("Cleo", "Did the Harbor Hall people ever confirm the deposit?"),
            ("Ben", "Different topic: the airport pickup, is Tomas still doing it?"),
            ("Ana", "No, they swapped it to Priya."),
        ]
    )
    slot = holding(mem, 4)
    assert slot.thread is None or slot.thread.seq in (1, 3)  # never the Harbor Hall thread
    assert holding(mem, 0).current.seq == 0  # the deposit keeps its value
