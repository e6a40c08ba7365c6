"""Read-time consolidation: an older slot about the query's subject is marked, others not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ssmem.compressor.policy import SupersedePolicy
from ssmem.compressor.read.consolidate import (
    Candidate,
    Newer,
    probable_supersessions,
    superseded_lines,
)
from ssmem.compressor.read.marking import marker
from ssmem.compressor.write.materializer import Materializer
from ssmem.context import Line, render_line


@pytest.fixture
def solar(feed) -> Materializer:
    """300 noise lines, 40 facts about other projects in the same wordings (so template
    words are common), then the Solar projects; the last update did not land."""
    m = Materializer()
    for i in range(300):
        feed(m, i, f"routine sync finished for the shared drive, batch {i}", "noise", 4)
    for i in range(20):
        feed(m, 300 + 2 * i, f"P{i} Wood: due date set at May {i + 1}, everyone agreed.", "fact", 2)
        feed(m, 301 + 2 * i, f"We moved the due date for P{i} Wood to June {i + 1}.", "fact", 3)
    feed(m, 400, "Solar Grove: due date set at December 26, everyone agreed.", "fact", 0)
    feed(m, 401, "Solar Bluff: due date set at May 2, everyone agreed.", "fact", 0)
    feed(m, 402, "Solar Grove: owner set at Dara Quist, everyone agreed.", "fact", 1)
    feed(m, 403, "We moved the due date for Solar Grove to August 8.", "fact", 0)  # no update
    feed(m, 404, "Solar Grove North: due date set at March 3, everyone agreed.", "fact", 0)
    return m


def test_older_value_of_the_query_subject_is_marked(solar: Materializer) -> None:
    m = solar
    slots = [s for s in m.slots.values() if s.current.seq >= 400]
    assert len(slots) == 5  # the update did not land: old and new live side by side
    q = "Right now, what due date is set for Solar Grove?"
    older = probable_supersessions(slots, q, m.lexicon, read_match=0.5)
    by_seq = {s.current.seq: s.id for s in slots}
    # Not the twin (Bluff), not the longer name (Solar Grove North), not the owner.
    assert older == {by_seq[400]: Newer(403)}


def test_other_attribute_is_not_grouped_even_with_equal_keys(solar: Materializer) -> None:
    m = solar
    slots = [s for s in m.slots.values() if s.current.seq >= 400]
    for s in slots:
        s.key = np.eye(8, dtype=np.float32)[0]  # keys say nothing: phrases must decide
    q = "Right now, what due date is set for Solar Grove?"
    older = probable_supersessions(slots, q, m.lexicon, read_match=-2.0)
    by_seq = {s.current.seq: s.id for s in slots}
    # the owner line (#402) shares "set", not "due date"
    assert older == {by_seq[400]: Newer(403)}


def test_no_subject_or_consolidation_off_marks_nothing(solar: Materializer) -> None:
    m = solar
    slots = list(m.slots.values())
    # Only an attribute, or only a subject: nothing says two lines state the same thing.
    assert probable_supersessions(slots, "What is the due date?", m.lexicon, 0.5) == {}
    assert probable_supersessions(slots, "What about Solar Grove?", m.lexicon, -2.0) == {}
    q = "Right now, what due date is set for Solar Grove?"
    assert probable_supersessions(slots, q, m.lexicon, read_match=2.0) == {}
    # keys below read_match never group
    for i, s in enumerate(slots):
        s.key = np.eye(len(slots), dtype=np.float32)[i]
    assert probable_supersessions(slots, q, m.lexicon, read_match=0.5) == {}


def test_a_verb_glued_to_the_attribute_still_groups_but_names_whole(solar: Materializer) -> None:
    m = solar
    slots = [s for s in m.slots.values() if s.current.seq >= 400]
    by_seq = {s.current.seq: s.id for s in slots}
    # "due date applies" is one phrase of the question and occurs in no line: its words
    # are matched one by one.
    q = "Which due date applies to Solar Grove at this point?"
    assert probable_supersessions(slots, q, m.lexicon, read_match=0.5) == {by_seq[400]: Newer(403)}
    # Names are matched whole: "Solar Bluff" lines are not about "Solar Grove North".
    q = "Which due date applies to Solar Grove North at this point?"
    assert probable_supersessions(slots, q, m.lexicon, read_match=0.5) == {}


def test_raw_lines_without_keys_are_grouped_by_phrases_alone(solar: Materializer) -> None:
    """A retrieved event is no slot (no key): the phrase rule alone decides, and a newer raw
    line can mark an older slot value or the other way round."""
    m = solar
    slots = {s.current.seq: s for s in m.slots.values() if s.current.seq >= 400}
    q = "Right now, what due date is set for Solar Grove?"
    lines = [
        Candidate(390, "Solar Grove: due date set at October 1, everyone agreed."),  # raw
        *(Candidate.of(s) for s in slots.values()),
        Candidate(405, "Solar Bluff: due date set at July 7, everyone agreed."),  # raw, twin
    ]
    older = superseded_lines(lines, q, m.lexicon, read_match=0.5)
    assert older == {390: Newer(403), 400: Newer(403)}
    # Keys are compared only where both lines have one: orthogonal slot keys still block.
    for i, s in enumerate(slots.values()):
        s.key = np.eye(8, dtype=np.float32)[i]
    lines = [lines[0], *(Candidate.of(s) for s in slots.values())]
    assert superseded_lines(lines, q, m.lexicon, read_match=0.5) == {390: Newer(403)}


def _solar_lines(old_source: str, new_source: str) -> list[Candidate]:
    return [
        Candidate(
            400, "Solar Grove: due date set at December 26, everyone agreed.", source=old_source
        ),
        Candidate(403, "We moved the due date for Solar Grove to August 8.", source=new_source),
    ]


def test_read_time_marks_follow_the_policy_and_flag_another_source(solar: Materializer) -> None:
    """An event from another source may mark a genuine fact "probably superseded" only with
    the flag that says whose it is, and not at all under a policy that refuses it."""
    q = "Right now, what due date is set for Solar Grove?"
    lex = solar.lexicon
    same = superseded_lines(_solar_lines("alice", "alice"), q, lex, read_match=0.5)
    assert same == {400: Newer(403)}
    other = superseded_lines(_solar_lines("alice", "mallory"), q, lex, read_match=0.5)
    assert other == {400: Newer(403, "mallory")}  # marked only with the flag
    line = marker({}, other)(Line("window", (400,), "Solar Grove: due date ...", "alice"))
    assert render_line(line).endswith("(probably superseded by #403 stated by mallory)")
    strict = SupersedePolicy("same_source")
    lines = _solar_lines("alice", "mallory")
    assert superseded_lines(lines, q, lex, read_match=0.5, policy=strict) == {}


def test_a_constraint_is_marked_only_by_its_own_sources_newer_line(solar: Materializer) -> None:
    """A line the type head took for a rule holds for the session, yet its author may restate
    it with a new value; another source's lookalike never retires it at read time."""
    q = "Right now, what due date is set for Solar Grove?"
    lex = solar.lexicon

    def lines(new_source: str | None) -> list[Candidate]:
        old, new = _solar_lines("alice", "alice")
        return [
            Candidate(old.seq, old.text, "constraint", source="alice"),
            replace(new, source=new_source),
        ]

    assert superseded_lines(lines("alice"), q, lex, read_match=0.5) == {400: Newer(403)}
    assert superseded_lines(lines("mallory"), q, lex, read_match=0.5) == {}
    assert superseded_lines(lines(None), q, lex, read_match=0.5) == {}
