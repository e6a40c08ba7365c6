"""One relevance order for memory lines and retrieved hits (`ssmem.systems.merge`)."""

from __future__ import annotations

from ssmem.context import Line, Previous, render_line
from ssmem.systems.merge import merge, rank_positions
from ssmem.tokens import default_counter


def raw(seq: int, text: str) -> Line:
    return Line("retrieved", (seq,), text, "ana")


def mem(seq: int, text: str, previous: int | None = None) -> Line:
    prev = Previous(previous, f"old value of {seq}") if previous is not None else None
    return Line("memory", (seq,), text, "ana", previous=prev)


HITS = [
    (raw(40, "The venue deposit is now 450 euros."), raw(41, "Lunch anyone?")),
    (raw(10, "The venue deposit is 300 euros."),),
    (raw(70, "Parking is behind the hall."),),
]


def test_positions_are_the_first_hit_holding_an_event() -> None:
    assert rank_positions([*HITS, (raw(10, "again"),)]) == {40: 0, 41: 0, 10: 1, 70: 2}


def test_a_memory_line_comes_at_its_best_events_rank_before_that_hit_and_replaces_it() -> None:
    counter = default_counter()
    # The slot of the deposit holds #40 now and #10 before: it ranks with hit 0 (not hit 1),
    # and the raw lines of #40 and #10 are not shown again.
    deposit = mem(40, "The venue deposit is now 450 euros.", previous=10)
    out = merge("venue deposit", [deposit], HITS, 400, counter)
    assert out.memory == (deposit,)
    assert [x.seq for x in out.retrieved] == [41, 70]  # stream order, #40 and #10 left out
    assert out.tokens == sum(counter.count(render_line(x)) + 1 for x in (deposit, *out.retrieved))


def test_a_memory_line_with_nothing_ranked_behind_it_waits_for_the_hits() -> None:
    counter = default_counter()
    chatter = mem(99, "Great, thanks all!")
    room = sum(counter.count(render_line(x)) + 1 for b in HITS for x in b)
    out = merge("venue deposit", [chatter], HITS, room, counter)
    assert out.memory == ()  # the hits filled the room
    assert [x.seq for x in out.retrieved] == [10, 40, 41, 70]
    more = merge("venue deposit", [chatter], HITS, room + 40, counter)
    assert more.memory == (chatter,)  # room left after every hit: then it is shown


def test_lead_places_the_memorys_first_lines_at_their_own_rank_within_its_share() -> None:
    counter = default_counter()
    cause = mem(5, "The migration changed the timeout to 2 s.")
    other = mem(6, "The rollback finished at noon.")
    room = counter.count(render_line(cause)) + 1 + counter.count(render_line(HITS[0][0])) + 4
    assert merge("why", [cause, other], HITS, room, counter).memory == ()
    share = (counter.count(render_line(cause)) + 1) / room  # room for the first line only
    led = merge("why", [cause, other], HITS, room, counter, lead=share)
    assert led.memory == (cause,)  # at rank 0, before the first hit
    assert [x.seq for x in led.retrieved] == [10]  # hit 0 (two lines) no longer fits


def test_shown_events_are_not_retrieved_again_and_a_large_hit_is_fitted() -> None:
    counter = default_counter()
    out = merge("deposit", [], HITS, 400, counter, shown={41})
    assert 41 not in {x.seq for x in out.retrieved}
    big = [tuple(raw(i, f"line {i} about the deposit and more words") for i in range(30))]

    def fit(query: str, lines: list[Line], room: int) -> tuple[Line, ...]:
        return tuple(lines[:2])

    small = merge("deposit", [], big, 40, counter, fit=fit)
    assert [x.seq for x in small.retrieved] == [0, 1]
    assert merge("deposit", [], big, 40, counter).retrieved == ()  # no fit: nothing
