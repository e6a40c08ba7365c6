"""The retrieval trigger policy: each rule fires on its case and names itself."""

from __future__ import annotations

import pytest

from ssmem.context import Line
from ssmem.systems.policy import coverage, decide, decide_early, wants_exact_wording


def ctx(*segs: tuple[str, str]) -> list[Line]:
    return [Line(k, (i,), t) for i, (k, t) in enumerate(segs)]


@pytest.mark.parametrize(
    "query",
    [
        'What did Ana say about "the rollout"?',
        "What was the exact error message?",
        "Quote the constraint verbatim.",
        "Is PROJ-1234 closed?",
        "What failed in src/app/main.py?",
    ],
)
def test_exact_wording_fires_first(query):
    d = decide(query, 0.9, ctx(("memory", "everything about rollout error constraint PROJ main")))
    assert d.fire and d.rule == "exact_wording"


@pytest.mark.parametrize("query", ["What is Ana's budget?", "Who owns Atlas now?"])
def test_plain_questions_are_not_exact(query):
    assert wants_exact_wording(query) is None


def test_low_confidence_fires_when_reported():
    c = ctx(("memory", "Atlas owner is Bo"))
    assert decide("Who owns Atlas?", 0.2, c).rule == "low_confidence"
    assert not decide("Who owns Atlas?", 0.9, c).fire
    assert not decide("Who owns Atlas?", None, c).fire  # no confidence reported: rule skipped


def test_not_covered_fires_when_memory_lacks_the_question_words():
    d = decide("What is the deadline for Beacon?", None, ctx(("memory", "Atlas owner is Bo")))
    assert d.fire and d.rule == "not_covered"
    d = decide("What is the deadline for Beacon?", None, ctx(("window", "Beacon deadline moved")))
    assert not d.fire and d.rule is None


def test_retrieved_segments_do_not_count_as_coverage():
    d = decide("Who owns Beacon?", None, ctx(("retrieved", "Chen owns Beacon")))
    assert d.rule == "not_covered"


def test_coverage_ignores_stopwords_and_plurals():
    assert coverage("What are the budgets?", "budget") == 1.0
    assert coverage("the of a", "") == 1.0
    assert coverage("Atlas deadline", "Atlas") == 0.5


def test_early_rules_agree_with_decide_and_leave_coverage_to_it():
    held = ctx(("memory", "the budget for Solar Grove is $7,200"))
    for query, conf in [("What is the exact budget?", 0.9), ("What is the budget?", 0.1)]:
        early = decide_early(query, conf)
        full = decide(query, conf, ctx(("memory", "x")))
        assert early is not None and (early.rule, early.fire) == (full.rule, full.fire)
    # Confident and no exact wording: nothing early; coverage (which needs the context) decides.
    assert decide_early("What about the weather in Oslo?", 0.9) is None
    assert decide_early("What about the weather in Oslo?", None) is None
    assert decide("What about the weather in Oslo?", 0.9, held).rule == "not_covered"
    assert not decide("What is the budget for Solar Grove?", 0.9, held).fire
