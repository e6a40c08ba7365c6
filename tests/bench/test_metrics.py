"""Metrics on hand-built contexts, including the cases where each metric must be 0."""

from __future__ import annotations

import pytest

from ssmem.bench.metrics import aggregate, contains, normalise, score_question, stale_exposed
from ssmem.bench.types import Question
from ssmem.context import Context, Line, Previous, Subject


def ctx(*lines: tuple[int, str]) -> Context:
    typed = tuple(Line("memory", (s,), t) for s, t in lines)
    return Context("hand", 1000, typed, sum(len(t.split()) for _, t in lines))


Q = Question(9, "What is the budget of Atlas?", ("$7,200",), ("$4,000",), (5,), "current_value")


def test_normalisation_and_word_boundaries():
    assert normalise("  The $7,200 Budget ") == "the 7200 budget"
    assert contains("budget is 7200 now", "$7,200")
    assert contains("BUDGET: $7,200.", "7200")
    assert not contains("budget is 17200", "$7,200")
    assert not contains("version 3.11.2", "3.11")
    assert not contains("version 13.11", "3.11")
    assert contains("version 3.11.", "3.11")
    assert not contains("anything", "")


def test_current_answer_present_and_stale_value_marked():
    c = ctx((5, "Atlas budget is now $7,200."), (2, "Atlas budget was $4,000."))
    m = score_question(c, Q, constraints=["never email the client"])
    assert m["answerable"] == 1.0
    assert m["stale_exposure"] == 0.0  # "was" marks the old value on its line
    assert m["evidence_recall"] == 1.0
    assert m["constraint_retention"] == 0.0
    assert m["quote_exact"] is None
    assert m["tokens"] == c.tokens


def test_every_reader_free_metric_can_be_zero_or_one():
    c = ctx((2, "Atlas budget: $4,000"), (3, "never email the client directly"))
    m = score_question(c, Q, constraints=["Never email the client directly", "no press"])
    assert m["answerable"] == 0.0
    assert m["stale_exposure"] == 1.0  # unmarked superseded value
    assert m["evidence_recall"] == 0.0
    assert m["constraint_retention"] == 0.5


@pytest.mark.parametrize(
    ("line", "exposed"),
    [
        ("budget $4,000", True),
        ("budget $4,000 (superseded by #5)", False),
        ("previously $4,000", False),
        ("Formerly 4000, now 7200", False),
        ("the washing machine cost $4,000", True),  # "was" must be a whole word
        ("budget 14,000", False),
    ],
)
def test_stale_markers_are_whole_words_on_the_same_line(line, exposed):
    assert stale_exposed(line, ["$4,000"]) is exposed
    assert stale_exposed(f"{line}\nwas something else", ["$4,000"]) is exposed


def test_exact_quote_needs_the_verbatim_text():
    q = Question(3, "quote it", ("FATAL checksum mismatch (crc 12)",), (), (1,), "exact_quote")
    assert score_question(ctx((1, "x: FATAL checksum mismatch (crc 12)")), q)["quote_exact"] == 1
    low = ctx((1, "x: fatal checksum mismatch (crc 12)"))
    assert score_question(low, q)["quote_exact"] == 0.0
    assert score_question(low, q)["answerable"] == 1.0  # normalised match still counts


def test_reader_metrics_with_a_scripted_reader():
    c = ctx((5, "Atlas budget $7,200"))
    right = score_question(c, Q, reader=lambda context, question: "It is 7200 [#5].")
    stale = score_question(c, Q, reader=lambda context, question: "$4,000")
    assert (right["accuracy"], right["stale_answer_rate"]) == (1.0, 0.0)
    assert (stale["accuracy"], stale["stale_answer_rate"]) == (0.0, 1.0)
    abst = Question(5, "Who owns Delta?", (), (), (), "abstention")
    said_no = score_question(c, abst, reader=lambda context, question: "not in memory")
    guessed = score_question(c, abst, reader=lambda context, question: "Ana Lopez")
    assert said_no["abstention_accuracy"] == said_no["accuracy"] == 1.0
    assert guessed["abstention_accuracy"] == guessed["accuracy"] == 0.0
    assert said_no["answerable"] is None and said_no["evidence_recall"] is None


def test_aggregate_skips_metrics_that_do_not_apply():
    rows = [
        score_question(ctx((5, "$7,200")), Q),
        score_question(ctx((1, "nothing")), Q),
        score_question(ctx((1, "nothing")), Question(1, "?", (), (), (), "abstention")),
    ]
    agg = aggregate(rows, ["current_value", "current_value", "abstention"])
    assert agg["answerable"] == 0.5 and agg["questions"] == 3
    assert agg["by_category"]["current_value"] == {
        "n": 2,
        "answerable": 0.5,
        "evidence_recall": 0.5,
        "stale_exposure": 0.0,
    }
    assert agg["by_category"]["abstention"]["answerable"] is None
    assert "accuracy" not in agg


SUBJ = Question(
    20, "What is the Harbor deposit now?", ("$450",), ("$300",), (15,), "implicit_update", "Harbor"
)


def typed(*lines: Line) -> Context:
    return Context("hand", 1000, lines, 10)


@pytest.mark.parametrize(
    ("lines", "answerable"),
    [
        # A bare value with nothing tying it to its subject cannot be answered from.
        ((Line("memory", (15,), "Heard back: $450."),), 0.0),
        # The same value with its subject on the line: the replaced value names it ...
        (
            (Line("memory", (15,), "Heard back: $450.", previous=Previous(3, "Harbor is $300")),),
            1.0,
        ),
        # ... or the slot's subject note does.
        (
            (
                Line(
                    "memory",
                    (15,),
                    "Heard back: $450.",
                    previous=Previous(9, "They said $390."),
                    subject=Subject(3, "Harbor deposit is $300"),
                ),
            ),
            1.0,
        ),
        # Raw text: the thread's ping a few events above, in the same part, counts ...
        (
            (
                Line("window", (12,), "Any news on the Harbor deposit?"),
                Line("window", (13,), "lol"),
                Line("window", (15,), "Heard back: $450."),
            ),
            1.0,
        ),
        # ... but not from another part, from far back in the stream, or from another memory
        # line (a record stands alone).
        (
            (
                Line("retrieved", (12,), "Any news on the Harbor deposit?"),
                Line("window", (15,), "Heard back: $450."),
            ),
            0.0,
        ),
        (
            (
                Line("retrieved", (2,), "Any news on the Harbor deposit?"),
                Line("retrieved", (15,), "Heard back: $450."),
            ),
            0.0,
        ),
        (
            (
                Line("memory", (3,), "Harbor deposit is $300."),
                Line("memory", (15,), "Heard back: $450."),
            ),
            0.0,
        ),
    ],
)
def test_an_answer_counts_only_next_to_its_subject(lines, answerable):
    assert score_question(typed(*lines), SUBJ)["answerable"] == answerable


def test_stale_evidence_counts_an_unmarked_older_event_only():
    from dataclasses import replace

    q = Question(
        9,
        "Where do I keep my old sneakers now?",
        ("shoe rack",),
        (),
        (7, 3),
        "current_value",
        stale_evidence=(3,),
        group="knowledge-update",
    )
    newer = Line("retrieved", (7,), "they're in a shoe rack in my closet now")
    older = Line("retrieved", (3,), "I keep my old sneakers under my bed")

    def ctx_of(*lines: Line) -> Context:
        return Context("hand", 1000, lines, 20)

    assert score_question(ctx_of(newer), q)["stale_exposure"] == 0.0
    assert score_question(ctx_of(older, newer), q)["stale_exposure"] == 1.0
    marked = replace(older, superseded_by=7)
    assert score_question(ctx_of(marked, newer), q)["stale_exposure"] == 0.0
    not_verbatim = replace(q, answers=("9 months",), verbatim=False)
    assert score_question(ctx_of(newer), not_verbatim)["answerable"] is None
    agg = aggregate([score_question(ctx_of(older, newer), q)], [q.group])
    assert agg["by_category"]["knowledge-update"]["stale_exposure"] == 1.0
