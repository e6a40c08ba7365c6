"""Generators: determinism, ground truth by construction, train/eval split, length scaling."""

from __future__ import annotations

import itertools

import pytest

from ssmem.bench import FAMILIES, generate
from ssmem.bench.generators import EVAL_SEED_BASE
from ssmem.bench.generators.templates import QUESTIONS
from ssmem.bench.generators.vocab import VOCAB
from ssmem.bench.metrics import contains
from ssmem.errors import InputError

EVAL = EVAL_SEED_BASE + 7


@pytest.fixture(scope="module")
def streams():
    return {f: generate(f, "eval", EVAL, 10000) for f in FAMILIES}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_same_seed_same_stream_other_seed_other_stream(family):
    a, b = generate(family, "train", 5, 1500), generate(family, "train", 5, 1500)
    c = generate(family, "train", 6, 1500)
    assert [e.to_dict() for e in a.events] == [e.to_dict() for e in b.events]
    assert a.questions == b.questions and a.labels == b.labels
    assert [e.text for e in a.events] != [e.text for e in c.events]


def test_seed_ranges_are_enforced():
    with pytest.raises(InputError, match="eval seeds"):
        generate("meeting", "eval", 3, 1000)
    with pytest.raises(InputError, match="train seeds"):
        generate("meeting", "train", EVAL_SEED_BASE, 1000)
    with pytest.raises(InputError, match="unknown family"):
        generate("poetry", "eval", EVAL, 1000)


def test_train_and_eval_surface_forms_are_disjoint():
    for name, words in VOCAB["train"].items():
        assert not set(words) & set(VOCAB["eval"][name]), name
    for role, tpls in QUESTIONS["train"].items():
        assert not set(tpls) & set(QUESTIONS["eval"][role]), role
    for fam, spec in FAMILIES.items():
        for role, tpls in spec.templates["train"].items():
            assert not set(tpls) & set(spec.templates["eval"][role]), (fam, role)
        for attr in spec.attrs:
            train = (
                {attr.noun["train"]}
                if isinstance(attr.noun["train"], str)
                else set(attr.noun["train"])
            )
            evals = (
                {attr.noun["eval"]}
                if isinstance(attr.noun["eval"], str)
                else set(attr.noun["eval"])
            )
            assert not train & evals, (fam, attr.key)


def test_eval_streams_use_no_train_names():
    train_names = set(VOCAB["train"]["first"]) | set(VOCAB["train"]["adj"])
    for fam in FAMILIES:
        text = " ".join(e.text + " " + e.source for e in generate(fam, "eval", EVAL, 3000).events)
        assert not {w for w in train_names if contains(text, w)}, fam


@pytest.mark.parametrize("family", list(FAMILIES))
def test_ground_truth_holds_by_construction(streams, family):
    s = streams[family]
    by_seq = s.event_by_seq()
    cats = {q.category for q in s.questions}
    assert cats >= {"current_value", "constraint", "temporal", "exact_quote", "abstention"}
    for q in s.questions:
        assert q.at_seq in by_seq
        assert all(e <= q.at_seq and e in by_seq for e in q.evidence)
        if q.category in ("current_value", "implicit_update"):
            key = s.labels[q.evidence[0]].key
            history = [  # the events that stated a value of the key (a thread's ping states none)
                sq
                for sq, lab in sorted(s.labels.items())
                if lab.key == key and sq <= q.at_seq and lab.value is not None
            ]
            assert q.evidence[0] == history[-1]  # the latest event of its key before the question
            assert s.labels[history[-1]].value == q.answers[0]
            older = {s.labels[sq].value for sq in history[:-1]} - {q.answers[0]}
            assert set(q.stale) == older
        if q.category == "exact_quote":
            assert q.answers[0] in by_seq[q.evidence[0]].text  # verbatim
        elif q.category == "abstention":
            assert not q.answers and not q.evidence
        elif q.category == "open_loop" and len(q.evidence) == 2:
            assert s.labels[q.evidence[1]].supersedes == q.evidence[0]
            assert contains(by_seq[q.evidence[1]].text, q.answers[0])
        else:
            assert any(contains(by_seq[e].text, q.answers[0]) for e in q.evidence), q


@pytest.mark.parametrize("family", list(FAMILIES))
def test_updates_never_repeat_the_old_value(streams, family):
    s = streams[family]
    updates = [
        (sq, lab)
        for sq, lab in s.labels.items()
        if lab.supersedes is not None and lab.type == "fact"
    ]
    assert updates
    by_seq = s.event_by_seq()
    for sq, lab in updates:
        old = s.labels[lab.supersedes]
        assert old.key == lab.key and old.value != lab.value
        assert not contains(by_seq[sq].text, old.value)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_structure_that_needs_memory_is_present(streams, family):
    s = streams[family]
    labels = s.labels
    # constraints are stated once, at the start
    cons = [sq for sq, lab in labels.items() if lab.type == "constraint"]
    assert cons == [0, 1]
    # near-duplicate distractors: the same attribute for two entities that share a word
    keys = {lab.key for lab in labels.values() if lab.type == "fact" and lab.key}
    pairs = [
        (a, b)
        for a, b in itertools.combinations(sorted(keys), 2)
        if a.split(":")[0] == b.split(":")[0]
        and a.split(":")[1].replace("_", " ").replace("-", " ").split()[0]
        == b.split(":")[1].replace("_", " ").replace("-", " ").split()[0]
    ]
    assert pairs
    # an open loop closed much later than it was opened
    gaps = [sq - lab.supersedes for sq, lab in labels.items() if lab.type == "resolution"]
    assert gaps and max(gaps) > 20
    # a cause well before its effect
    causes = {lab.key.split(":", 1)[1]: sq for sq, lab in labels.items() if lab.type == "decision"}
    effects = [
        (sq, lab.key.split(":", 1)[1])
        for sq, lab in labels.items()
        if lab.key and lab.key.startswith("symptom:")
    ]
    assert any(sq - causes[ent] > 10 for sq, ent in effects)
    # labels stay out of what systems see
    assert all(not e.meta for e in s.events)


def test_incident_noise_is_repetition_and_anomaly_is_relative():
    s = generate("incident", "eval", EVAL, 6000)
    texts = [e.text for e in s.events]
    assert max(texts.count(t) for t in set(texts)) > 20  # the heartbeat line
    anomaly = [lab.value for lab in s.labels.values() if lab.key and lab.key.startswith("anomaly:")]
    readings = [e.text for e in s.events if "telemetry" in e.text]
    assert len(anomaly) == 1 and len(readings) > 5
    normal = [int(t.split()[-2]) for t in readings if anomaly[0] not in t]
    assert int(anomaly[0].split()[0]) > 5 * max(normal)


@pytest.mark.parametrize("family", ["meeting", "coding", "agent"])
def test_length_scales_linearly_without_repeating_text(family):
    small, big = generate(family, "eval", EVAL, 4000), generate(family, "eval", EVAL, 32000)
    ratio = big.info["tokens"] / small.info["tokens"]
    assert 7.0 < ratio < 9.0
    texts = [e.text for e in big.events]
    assert len(set(texts)) / len(texts) > 0.9
    assert len(big.questions) > len(small.questions)


def test_no_fact_template_carries_a_stale_marker():
    """Otherwise a stale value in raw text would count as marked by construction."""
    from ssmem.bench.metrics import MARKERS

    for spec in FAMILIES.values():
        for split in ("train", "eval"):
            for role in ("set", "update", "resolve", "intro", "open", "item"):
                for tpl in spec.templates[split][role]:
                    assert not MARKERS.search(tpl), (spec.name, split, role, tpl)


def test_fit_and_heldout_template_parts_split_the_train_templates():
    from ssmem.bench.generators.parts import pick_part

    for spec in FAMILIES.values():
        for role, tpls in spec.templates["train"].items():
            fit, held = pick_part(tpls, "fit"), pick_part(tpls, "heldout")
            assert fit and held, role
            if len(tpls) > 1:
                assert not set(fit) & set(held) and set(fit) | set(held) == set(tpls), role
    fit = generate("meeting", "train", 3, 2000, part="fit")
    held = generate("meeting", "train", 3, 2000, part="heldout")
    assert [e.text for e in fit.events] != [e.text for e in held.events]
    fit_names = set(pick_part(VOCAB["train"]["adj"], "fit"))
    fit_names |= set(pick_part(VOCAB["train"]["first"], "fit"))
    held_text = " ".join(e.text + " " + e.source for e in held.events)
    assert not {w for w in fit_names if contains(held_text, w)}  # held-out names only
    with pytest.raises(InputError, match="train split only"):
        generate("meeting", "eval", EVAL, 1000, part="heldout")
    with pytest.raises(InputError, match="unknown template part"):
        generate("meeting", "train", 3, 1000, part="dev")


@pytest.mark.parametrize("family", ["household", "meeting-thread", "incident-thread"])
def test_thread_families_change_values_without_naming_their_subject(streams, family):
    s = streams[family]
    gaps = s.info["implicit_gap"]
    assert len(gaps) >= 5 and set(gaps.values()) <= {0, 1, 2, 3}
    by_seq = s.event_by_seq()
    for seq, gap in gaps.items():
        label = s.labels[seq]
        entity = label.key.split(":", 1)[1]  # keys are "attribute:entity"
        assert label.type == "fact" and label.supersedes is not None
        ping = by_seq[seq - gap - 1]  # the thread's last mention, `gap` turns before
        assert s.labels[ping.seq].key == label.key and s.labels[ping.seq].type == "noise"
        assert entity not in by_seq[seq].text and entity in ping.text
    implicit = [q for q in s.questions if q.category == "implicit_update"]
    assert implicit and all(q.subject and q.subject in q.query for q in implicit)
    assert all(q.evidence[0] in gaps for q in implicit)
