"""The newuser family: hand-written chats of a new user, loaded from the checkout, and the
bench-ask scoring that reports what `ssmem ask` answers on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssmem.bench.ask_eval import answer_found, judge, markdown_table, run_ask_eval, summarise
from ssmem.bench.newuser import NEWUSER, load_newuser
from ssmem.bench.streams import expand_families, fixed_streams, make_stream
from ssmem.bench.types import Question
from ssmem.errors import InputError
from ssmem.llm.fake import FakeBackend
from ssmem.systems import make_system
from ssmem.tokens import default_counter


@pytest.fixture(scope="module", params=NEWUSER)
def stream(request):
    return load_newuser(request.param)


def test_streams_are_real_sized_and_eval_only(stream):
    assert stream.split == "eval" and stream.family == "newuser" and stream.labels == {}
    assert 40 <= len(stream.events) <= 80
    assert [e.seq for e in stream.events] == list(range(len(stream.events)))


def test_enough_questions_and_never_stated_ones():
    streams = [load_newuser(n) for n in NEWUSER]
    questions = [q for s in streams for q in s.questions]
    assert len(NEWUSER) >= 4 and len(questions) >= 60
    assert sum(not q.answers for q in questions) >= 12


def test_evidence_states_an_answer_and_stale_values_were_said(stream):
    by_seq = stream.event_by_seq()
    for q in stream.questions:
        for s in q.evidence:
            assert s <= q.at_seq
        if q.answers:
            shown = [f"{by_seq[s].source}: {by_seq[s].text}" for s in q.evidence]
            assert any(answer_found(t, a) for t in shown for a in q.answers), q
        said = " ".join(e.text for e in stream.events if e.seq <= q.at_seq)
        assert not q.stale or any(answer_found(said, old) for old in q.stale), q.query


def test_never_stated_answers_are_not_in_the_stream(stream):
    # each never-stated question's subject word must not come with a value in the stream
    probes = {
        "wifi": "wifi",
        "permit": "permit",
        "terminal": "terminal",
        "breed": "breed",
        "first name": "first name",
    }
    text = " ".join(e.text.lower() for e in stream.events)
    for q in stream.questions:
        if not q.answers:
            for word, probe in probes.items():
                if word in q.query.lower():
                    assert probe not in text, q.query


def test_family_is_registered():
    assert expand_families(["newuser"]) == ("newuser",)
    assert fixed_streams("newuser") == len(NEWUSER)
    assert make_stream("newuser", 0, 1, default_counter(), None).info["newuser"] == NEWUSER[1]


def test_missing_checkout_is_one_clear_error(tmp_path: Path):
    with pytest.raises(InputError, match="source checkout"):
        load_newuser("bakery", root=tmp_path)
    with pytest.raises(InputError, match="unknown newuser stream"):
        load_newuser("nope")


@pytest.mark.parametrize(
    ("reply", "accepted", "found"),
    [
        ("(604) 555 0187", "604-555-0187", True),
        ("5.4mg once daily", "5.4", True),
        ("$812.40", "812.40", True),
        ("300 servings", "30", False),
        ("7742", "774", False),
        ("Sage green cabinets", "green", True),
        ("greenish", "green", False),
    ],
)
def test_answer_found(reply, accepted, found):
    assert answer_found(reply, accepted) is found


def test_judge_right_stale_and_abstention():
    q = Question(5, "lockbox code?", ("5580",), ("0912",), (3,), "current_value")
    never = Question(5, "wifi password?", (), (), (), "abstention")
    assert judge(q, "5580 [#37]") == judge(q, "5580 (was 0912)")
    assert judge(q, "5580").right and not judge(q, "5580").stale
    assert judge(q, "0912").stale and not judge(q, "0912").right
    assert judge(q, "not in memory").abstained and not judge(q, "not in memory").right
    assert judge(never, "not in memory").right
    assert not judge(never, "hunter2").right


def test_summary_counts_abstention_precision_and_recall():
    rows = [
        {"right": True, "stale": False, "abstained": True, "never_stated": True},
        {"right": False, "stale": False, "abstained": False, "never_stated": True},
        {"right": False, "stale": False, "abstained": True, "never_stated": False},
        {"right": False, "stale": True, "abstained": False, "never_stated": False},
        {"right": True, "stale": False, "abstained": False, "never_stated": False},
    ]
    s = summarise(rows)
    assert (s["questions"], s["right"], s["stated"], s["stale"]) == (5, 2, 3, 1)
    assert s["abstention_recall"] == 0.5 and s["abstention_precision"] == 0.5


def test_run_ask_eval_takes_asks_path_and_reports_per_stream():
    stream = load_newuser("vet")
    fake = FakeBackend(lambda m: "MW-40317" if "patient ID" in m[1]["content"] else "x")
    built: list[int] = []

    def build(name, events, backend):
        built.append(len(events))
        mem = make_system(name, backend.counter)
        mem.ingest(events)
        return mem

    lines: list[str] = []
    res = run_ask_eval([stream], "window", 512, fake, build, lines.append)
    assert sorted(set(built)) == sorted({q.at_seq + 1 for q in stream.questions})
    assert len(lines) == len(stream.questions) == res["overall"]["questions"]
    row = next(r for r in res["rows"] if "patient ID" in r["query"])
    assert row["right"] and res["overall"]["right"] == 1
    assert "| vet | 19 |" in markdown_table(res)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench-ask", "--stream", "nope"], "unknown newuser stream 'nope'"),
        (["bench-ask", "--budget", "0"], "at least 1 token"),
        (["bench-ask", "--family", "handwritten", "--stream", "vet"], "unknown hand-written"),
    ],
)
def test_bench_ask_refuses_bad_input_before_any_model_loads(cli, monkeypatch, argv, message):
    import ssmem.cli.bench_ask_cmd as cmd

    def no_model(*args):
        raise AssertionError("the reader was loaded before the input was checked")

    monkeypatch.setattr(cmd, "make_backend", no_model)
    code, out, err = cli(argv)
    assert code == 2 and message in err and out == ""
