"""LongMemEval adapter and stream, on a small fixture cut in the test from the real S dev file
(first item, haystack truncated to its first two sessions)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ssmem.adapters.longmemeval import S_DEV, haystack_events, load_items, parse_date
from ssmem.bench.longmemeval import longmemeval_stream
from ssmem.errors import InputError


@pytest.fixture(scope="module")
def items(shared_data: Path) -> tuple[dict[str, Any], ...]:
    path = shared_data.joinpath(*S_DEV)
    if not path.is_file():
        pytest.skip(f"LongMemEval file not found at {path}")
    return load_items(path)


def truncated(item: dict[str, Any], sessions: int = 2) -> dict[str, Any]:
    """A copy of `item` with its first `sessions` sessions (the cached items stay intact)."""
    cut = {k: item[k][:sessions] for k in ("haystack_sessions", "haystack_dates")}
    return {**item, **cut, "haystack_session_ids": item["haystack_session_ids"][:sessions]}


@pytest.fixture(scope="module")
def small(items: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    return truncated(items[0])


def test_parse_date_reads_utc_and_rejects_junk() -> None:
    expected = datetime(2023, 5, 20, 2, 21, tzinfo=UTC).timestamp()
    assert parse_date("2023/05/20 (Sat) 02:21") == expected
    assert parse_date("20 May 2023") is None
    assert parse_date(None) is None


def test_turns_become_events_in_order(small: dict[str, Any]) -> None:
    events = haystack_events(small)
    sessions = small["haystack_sessions"]
    assert len(events) == sum(len(s) for s in sessions)
    assert [e.seq for e in events] == list(range(len(events)))
    first = len(sessions[0])
    assert [e.source for e in events] == [t["role"] for s in sessions for t in s]
    assert {e.source for e in events} <= {"user", "assistant"}
    assert all(e.kind == "turn" for e in events)
    assert events[0].ts == parse_date(small["haystack_dates"][0]) is not None
    assert events[first].ts == parse_date(small["haystack_dates"][1]) is not None
    assert events[first].meta["session_id"] == small["haystack_session_ids"][1]
    assert [e.meta["turn"] for e in events[first:]] == list(range(len(sessions[1])))
    assert events[first].text == sessions[1][0]["content"]


def test_has_answer_turns_are_the_evidence(small: dict[str, Any]) -> None:
    stream = longmemeval_stream(small)
    turns = [t for s in small["haystack_sessions"] for t in s]
    marked = [i for i, t in enumerate(turns) if t.get("has_answer")]
    assert marked, "the fixture's two sessions should hold an evidence turn"
    (q,) = stream.questions
    assert sorted(q.evidence) == marked
    assert all(stream.events[s].meta["has_answer"] for s in q.evidence)
    assert q.at_seq == stream.events[-1].seq
    assert q.query == small["question"]
    assert q.answers == (str(small["answer"]),)
    assert stream.info["question_id"] == small["question_id"]
    assert stream.info["question_date"] == small["question_date"]
    assert stream.info["question_type"] == small["question_type"]


@pytest.mark.parametrize(
    ("question_type", "category"),
    [
        ("knowledge-update", "current_value"),
        ("temporal-reasoning", "temporal"),
        ("multi-session", "current_value"),
        ("single-session-user", "current_value"),
    ],
)
def test_question_types_map_to_categories(
    items: tuple[dict[str, Any], ...], question_type: str, category: str
) -> None:
    item = next(
        x
        for x in items
        if x["question_type"] == question_type and not x["question_id"].endswith("_abs")
    )
    q = longmemeval_stream(truncated(item)).questions[0]
    assert q.category == category
    assert q.answers == (str(item["answer"]),)


def test_abs_ids_are_abstentions_without_answers(items: tuple[dict[str, Any], ...]) -> None:
    item = next((x for x in items if x["question_id"].endswith("_abs")), None)
    if item is None:
        pytest.skip("no _abs question in this file")
    stream = longmemeval_stream(truncated(item))
    assert stream.questions[0].category == "abstention"
    assert stream.questions[0].answers == ()
    assert stream.info["question_type"] == item["question_type"]


def test_items_are_parsed_once_per_process(
    shared_data: Path, items: tuple[dict[str, Any], ...]
) -> None:
    assert load_items(shared_data.joinpath(*S_DEV)) is items


def test_splits_partition_the_dev_half_by_question_id(items: tuple[dict[str, Any], ...]) -> None:
    from ssmem.bench.longmemeval import split_items, split_of

    parts = {s: {x["question_id"] for x in split_items(s)} for s in ("fit", "calibration", "eval")}
    assert sum(len(p) for p in parts.values()) == len(items)
    assert not parts["fit"] & parts["eval"] and not parts["calibration"] & parts["eval"]
    assert not parts["fit"] & parts["calibration"]
    assert all(split_of(q) == "eval" for q in parts["eval"])
    with pytest.raises(InputError, match="unknown LongMemEval split"):
        split_items("test")


def test_eval_seeds_deal_question_types_round_robin(items: tuple[dict[str, Any], ...]) -> None:
    from ssmem.bench.longmemeval import question_group, split_items

    order = [question_group(x) for x in split_items("eval")]
    groups = sorted(set(order))
    assert order[: len(groups)] == groups  # the first seeds hold one item of every type
    assert len(set(order[len(groups) : 2 * len(groups)])) == len(groups)


def test_knowledge_update_puts_the_latest_value_first_and_older_ones_stale(
    items: tuple[dict[str, Any], ...],
) -> None:
    from ssmem.bench.metrics import contains

    seen = 0
    for item in items:
        if item["question_type"] != "knowledge-update" or item["question_id"].endswith("_abs"):
            continue
        q = longmemeval_stream(item).questions[0]
        events = longmemeval_stream(item).events
        assert q.group == "knowledge-update"
        marked = {e.seq for e in events if e.meta["has_answer"]}
        assert set(q.evidence) == marked and set(q.stale_evidence) <= marked
        latest = max(events[s].ts for s in q.evidence)
        assert events[q.evidence[0]].ts == latest
        assert all(events[s].ts < latest for s in q.stale_evidence)
        if any(contains(events[s].text, str(item["answer"])) for s in q.evidence[1:]):
            assert q.stale_evidence == ()  # the question asks for the earlier value
        seen += bool(q.stale_evidence)
    assert seen >= 10


def test_answer_in_prompt_only_for_short_answers_found_verbatim(
    items: tuple[dict[str, Any], ...],
) -> None:
    from ssmem.bench.longmemeval import SHORT_ANSWER_WORDS
    from ssmem.bench.metrics import contains

    for item in items[:60]:
        stream = longmemeval_stream(item)
        q = stream.questions[0]
        if q.category == "abstention":
            continue
        found = any(contains(stream.events[s].text, str(item["answer"])) for s in q.evidence)
        short = len(str(item["answer"]).split()) <= SHORT_ANSWER_WORDS
        assert q.verbatim == (found and short)
