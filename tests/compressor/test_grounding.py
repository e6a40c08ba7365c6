"""Re-grounding against the log (`systems/grounding.py`) and the consistency pass
(`compressor/read/consistency.py`), on the shipped compressor."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ssmem.events import Event
from ssmem.systems import make_system
from ssmem.systems.grounding import GroundableMemory
from ssmem.systems.ssm import SSMMemory

CHAT = [
    ("dana", "Heads up: the Atlas budget is $7,200 for the quarter."),
    ("lee", "Rule for everyone: never deploy on Fridays."),
    ("sam", "Who is picking up the Harbor keys?"),
    ("dana", "Lunch was great today."),
    ("lee", "The staging database password rotates every 30 days."),
    ("sam", "Ticket QA-4411 is open for the flaky login test."),
    ("dana", "The Atlas budget is now $9,000 after the review."),
    ("lee", "I will pick up the Harbor keys at 5pm."),
]


def _log() -> list[Event]:
    return [Event(i, text, source=src, ts=float(i)) for i, (src, text) in enumerate(CHAT)]


def _lookup(events: list[Event]):
    by_seq = {e.seq: e for e in events}
    asked: list[list[int]] = []

    def lookup(seqs):
        asked.append(list(seqs))
        return {q: by_seq[q] for q in seqs if q in by_seq}

    return lookup, asked


def _quoted_values_match(mem: SSMMemory, events: list[Event]) -> bool:
    by_seq = {e.seq: e for e in events}
    for slot in mem.materializer.slots.values():
        for v in [slot.current, *slot.history, *(x for x in (slot.opened, slot.thread) if x)]:
            if by_seq[v.seq].text != v.text or by_seq[v.seq].source != v.source:
                return False
    return all(by_seq[e.seq] == e for e in mem.window._events)


@pytest.mark.parametrize("name", ["ssm", "hybrid", "window"])
def test_memory_built_from_the_log_grounds_clean(name):
    events = _log()
    mem = make_system(name)
    mem.ingest(events)
    assert isinstance(mem, GroundableMemory)
    lookup, asked = _lookup(events)
    before = mem.context("what is the Atlas budget?", 300).render()
    report = mem.ground(lookup)
    assert report.clean and report.checked >= len(events) and asked
    assert mem.context("what is the Atlas budget?", 300).render() == before


def test_values_the_log_does_not_back_are_repaired_or_dropped():
    events = _log()
    mem = SSMMemory()
    mem.ingest(events)
    slots = mem.materializer.slots
    first, second = sorted(slots)[:2]
    # A slot whose current value drifted from the log: dropped (its vectors came from it).
    slots[first].current = replace(slots[first].current, text="Atlas budget is $1")
    # A quoted subject that drifted: rewritten from the log.
    quoted = slots[second]
    quoted.opened = replace(quoted.current, text="forged subject", source="mallory")
    # A window line that drifted, and one whose event the log does not have.
    mem.window._events[3] = replace(mem.window._events[3], text="forged window line")
    log = [e for e in events if e.seq != 7]
    lookup, _ = _lookup(log)
    report = mem.ground(lookup)
    assert first not in slots and report.dropped >= 2  # the drifted slot + the missing event
    assert slots[second].opened.text == CHAT[slots[second].opened.seq][1]
    assert report.repaired >= 2 and len(report.notes) >= 3
    assert _quoted_values_match(mem, log)
    assert all(e.seq != 7 for e in mem.window._events)
    assert "forged" not in mem.context("", 400).render()
    assert mem.ground(lookup).clean  # a second pass finds nothing left to change


def test_consistency_pass_finds_two_current_values_for_one_subject():
    mem = SSMMemory()
    mem.ingest(_log())
    found = mem.conflicts()
    pairs = {(c.older_seq, c.newer_seq) for c in found}
    assert (0, 6) in pairs  # the Atlas budget, $7,200 then $9,000: both held as current
    assert all(older < newer for older, newer in pairs)
    assert not any(1 in p for p in pairs)  # the constraint never conflicts
