"""Real-data streams read from ../shared/data: LoCoMo with audited evidence, BABILong-style
haystacks, BGL alert retention."""

from __future__ import annotations

import json

import pytest

from ssmem.bench.babilong import babilong_stream, load_stories
from ssmem.bench.locomo import locomo_streams
from ssmem.bench.loghub import bgl_stream
from ssmem.bench.metrics import contains
from ssmem.bench.qa_f1 import f1_score, normalize_answer


@pytest.fixture(autouse=True)
def _data(shared_data, monkeypatch):
    monkeypatch.setenv("SSMEM_SHARED_DATA", str(shared_data))


def test_locomo_applies_the_audit_corrections(shared_data):
    audit = json.loads((shared_data / "locomo" / "locomo_audit_errors.json").read_text())
    fix = next(e for e in audit if e["question_id"] == "locomo_0_qa1")
    s = locomo_streams([0], max_questions=5)[0]
    by_seq = s.event_by_seq()
    q = s.questions[1]
    assert [by_seq[e].meta["dia_id"] for e in q.evidence] == fix["correct_evidence"]
    assert fix["correct_evidence"] != fix["cited_evidence"]
    assert all(qq.at_seq == s.events[-1].seq for qq in s.questions)
    assert s.info["unresolved_evidence"] == 0


def test_locomo_adversarial_questions_are_abstentions():
    s = locomo_streams([0])[0]
    cats = s.info["locomo_category"]
    assert len(cats) == len(s.questions) == 199
    assert all(
        (c == 5) == (q.category == "abstention") for c, q in zip(cats, s.questions, strict=True)
    )


@pytest.mark.slow  # importing nltk takes seconds
def test_official_f1_normalisation():
    assert normalize_answer("The Cat, and a dog!") == "cat dog"
    assert f1_score("running dogs", "the dog runs") == 1.0  # Porter stems
    assert f1_score("cats", "7 May 2023") == 0.0


@pytest.mark.parametrize("task", ["qa1", "qa2", "qa3"])
def test_babilong_story_is_hidden_in_the_haystack_with_evidence(task):
    s = babilong_stream(task, 3000, seed=2)
    by_seq = s.event_by_seq()
    story = [e for e in s.events if e.source == "story"]
    assert len(s.events) > len(story) and s.info["tokens"] >= 3000
    facts = [x[2] for x in load_stories(task)[2 % len(load_stories(task))] if x[0] == "fact"]
    assert [e.text for e in story] == facts  # the whole story, in order
    for q in s.questions:
        assert all(by_seq[e].source == "story" and e <= q.at_seq for e in q.evidence)
        if task == "qa1":
            assert contains(by_seq[q.evidence[0]].text, q.answers[0])
            assert q.answers[0] not in q.stale


def test_bgl_alerts_are_questions_and_labels_are_hidden():
    s = bgl_stream(8000, seed=0, max_questions=5)
    by_seq = s.event_by_seq()
    assert len(s.questions) == 5 and all(not e.meta for e in s.events)
    for q in s.questions:
        assert by_seq[q.evidence[0]].text == q.answers[0]
        assert q.at_seq == s.events[-1].seq
