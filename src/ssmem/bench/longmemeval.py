"""LongMemEval as benchmark streams: one stream per item (its haystack), its one question asked
after the last event. Report results as "LongMemEval-S dev half", never the full benchmark.
"""

from __future__ import annotations

from typing import Any

from ssmem.adapters.longmemeval import S_DEV, haystack_events, load_items, question_ts
from ssmem.bench.data import data_file
from ssmem.bench.types import Question, Stream
from ssmem.errors import InputError

CATEGORY = {"knowledge-update": "current_value", "temporal-reasoning": "temporal"}


def dev_items() -> tuple[dict[str, Any], ...]:
    """The items of the S setting's development half, from the shared data folder."""
    return load_items(data_file(*S_DEV))


def question_category(item: dict[str, Any]) -> str:
    """knowledge-update -> current_value, temporal-reasoning -> temporal, ids ending in "_abs"
    -> abstention, every other type -> current_value (the type stays in `info`)."""
    if str(item.get("question_id", "")).endswith("_abs"):
        return "abstention"
    return CATEGORY.get(str(item.get("question_type", "")), "current_value")


def longmemeval_stream(item: dict[str, Any], seed: int = 0) -> Stream:
    """The stream of one item; `seed` is only recorded (use the item's index). Evidence = the
    seqs of the turns marked `has_answer`; abstention questions have no answers."""
    qid = str(item.get("question_id", ""))
    events = haystack_events(item)
    if not events:
        raise InputError("empty haystack (no turns)", field=qid)
    category = question_category(item)
    answers = () if category == "abstention" else (str(item.get("answer", "")),)
    question = Question(
        at_seq=events[-1].seq,
        query=str(item["question"]),
        answers=answers,
        stale=(),
        evidence=tuple(e.seq for e in events if e.meta["has_answer"]),
        category=category,
    )
    info = {
        "source": "LongMemEval-S dev half",
        "question_id": qid,
        "question_type": item.get("question_type"),
        "question_date": item.get("question_date"),
        "question_ts": question_ts(item),
        "sessions": len(item.get("haystack_sessions", [])),
    }
    return Stream("longmemeval", "eval", seed, events, [question], {}, info=info)
