"""Hand-written eval streams: ground truth consistent with the text, by construction."""

from __future__ import annotations

import re

import pytest

from ssmem.bench import CATEGORIES
from ssmem.bench import handwritten as hw
from ssmem.bench.handwritten import HANDWRITTEN, load_handwritten
from ssmem.bench.metrics import contains, normalise
from ssmem.errors import InputError

# What a stated answer to each abstention question would look like: none may occur anywhere.
ABSTENTION_PROBES = {
    "What melting temperature did the thermal shift assay give for D142N?": (
        r"\btm\b",
        r"melting",
        r"thermal shift.*\d+(\.\d+)? ?°c",
    ),
    "What is the lot number of the Ni-NTA resin ordered on 13 March?": (r"resin.*\blot\b",),
    "What intact mass did the MS core measure for the D142N mutant?": (r"d142n.*\bda\b",),
}


@pytest.fixture(scope="module", params=HANDWRITTEN)
def stream(request):
    return load_handwritten(request.param)


def test_eval_only_without_labels(stream):
    assert stream.split == "eval" and stream.family == "handwritten" and stream.seed == 0
    assert stream.labels == {}
    assert 250 <= len(stream.events) <= 350
    assert 30 <= len(stream.questions) <= 40


def test_seqs_strictly_increase_from_zero(stream):
    assert [e.seq for e in stream.events] == list(range(len(stream.events)))


def test_every_category_is_asked(stream):
    # implicit_update is asked of the generated thread families only (no hand label yet)
    assert {q.category for q in stream.questions} == set(CATEGORIES) - {"implicit_update"}


def test_evidence_exists_precedes_the_question_and_states_an_answer(stream):
    by_seq = stream.event_by_seq()
    for q in stream.questions:
        assert q.at_seq in by_seq, q.query
        if q.category != "abstention":
            assert q.evidence, q.query
        for s in q.evidence:
            assert s in by_seq and s <= q.at_seq, (q.query, s)
            assert any(contains(by_seq[s].text, a) for a in q.answers), (q.query, s)


def test_quotes_are_verbatim(stream):
    by_seq = stream.event_by_seq()
    for q in stream.questions:
        if q.category == "exact_quote":
            assert all(any(a in by_seq[s].text for a in q.answers) for s in q.evidence), q.query


def test_stale_values_were_stated_earlier_and_are_not_current(stream):
    for q in stream.questions:
        current = {normalise(a) for a in q.answers}
        for v in q.stale:
            assert normalise(v) not in current, (q.query, v)
            earlier = [e for e in stream.events if e.seq < q.at_seq and contains(e.text, v)]
            assert earlier, (q.query, v)


def test_abstention_answers_appear_nowhere(stream):
    text = [normalise(e.text) for e in stream.events]
    asked = [q for q in stream.questions if q.category == "abstention"]
    assert asked
    for q in asked:
        assert not q.answers and not q.evidence and not q.stale
        probes = ABSTENTION_PROBES[q.query]  # every abstention question needs probes here
        for p in probes:
            hits = [t for t in text if re.search(p, t)]
            assert not hits, (q.query, p, hits[:1])


def test_narrative_lines_are_never_repeated(stream):
    """Routine logs may repeat; what people write must not (varied wording)."""
    said = [e.text for e in stream.events if e.kind != "log"]
    assert len(said) == len(set(said))


def test_unknown_name_is_refused():
    with pytest.raises(InputError, match="unknown hand-written stream 'nope'"):
        load_handwritten("nope")


@pytest.mark.parametrize(
    ("jsonl", "message"),
    [
        (
            '{"seq": 0, "source": "a", "kind": "k", "text": "x"}\n{"seq": 2',
            r"bad\.jsonl:2: not JSON",
        ),
        ('{"seq": 1, "source": "a", "kind": "k", "text": "x"}', "field 'seq': expected 0"),
        ('{"seq": 0, "source": "a", "text": "x"}', "field 'kind': missing"),
    ],
)
def test_malformed_event_file_names_the_line(jsonl, message):
    with pytest.raises(InputError, match=message):
        hw.parse_events("bad.jsonl", jsonl)


def test_evidence_after_the_question_is_refused():
    bad = '[{"at_seq": 1, "query": "q", "answers": ["a"], "stale": [], "evidence": [2],'
    bad += ' "category": "current_value"}]'
    with pytest.raises(InputError, match="evidence after at_seq"):
        hw.parse_questions("bad.questions.json", bad, 5)
