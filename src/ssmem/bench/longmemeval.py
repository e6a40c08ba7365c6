"""LongMemEval as benchmark streams: one stream per item (its haystack), its one question asked
after the last event. Report results as "LongMemEval-S dev half", never the full benchmark.

Splits (by question id, so no question is in two): the project only has the development half
(255 items of the S setting), and training on real text needs some of it, so the half is
split again by the second byte of sha256(question_id): below 64 "fit" (training), 64-95
"calibration" (thresholds), 96 and above "eval" (the benchmark; ~62% of the items). The
benchmark never asks a fit or calibration question; training never reads an eval item's
labels. (Haystack filler sessions recur across items; evidence sessions of one question may
appear, unlabelled, in another item's haystack.)

Seeds: `ssmem bench --families longmemeval --seeds 0-N` takes eval items in a fixed order that
deals the question types round-robin (ids sorted within a type), so any prefix of seeds has a
balanced mix of the six types.

Per question (`longmemeval_stream`):
- category: knowledge-update -> current_value, temporal-reasoning -> temporal, ids ending in
  "_abs" -> abstention, else current_value; `group` is the item's question type (or
  "abstention"), which the per-category tables report by.
- evidence: the `has_answer` turns; for knowledge-update, the turns of the latest evidence
  session come first (`evidence[0]` holds the current value, as `current_marked` assumes),
  and the turns of earlier evidence sessions are `stale_evidence` — unless the answer is
  found in one of them (a question about the *initial* value), then none are stale.
- answers / verbatim: answer-in-prompt is scored only for short answers (at most
  `SHORT_ANSWER_WORDS` words) that occur verbatim in some evidence turn; computed answers
  ("9 months") and long ones are scored by evidence recall only.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from ssmem.adapters.longmemeval import S_DEV, haystack_events, load_items, question_ts
from ssmem.bench.data import data_file
from ssmem.bench.metrics import contains
from ssmem.bench.types import Question, Stream
from ssmem.errors import InputError

CATEGORY = {"knowledge-update": "current_value", "temporal-reasoning": "temporal"}
SPLITS = ("fit", "calibration", "eval")
SHORT_ANSWER_WORDS = 5


def dev_items() -> tuple[dict[str, Any], ...]:
    """The items of the S setting's development half, from the shared data folder."""
    return load_items(data_file(*S_DEV))


def split_of(question_id: str) -> str:
    """The split of a question: fit, calibration or eval (second byte of its sha256)."""
    b = hashlib.sha256(question_id.encode()).digest()[1]
    return "fit" if b < 64 else "calibration" if b < 96 else "eval"


def question_group(item: dict[str, Any]) -> str:
    """The item's question type, or "abstention" for ids ending in "_abs"."""
    if str(item.get("question_id", "")).endswith("_abs"):
        return "abstention"
    return str(item.get("question_type", "unknown"))


def question_category(item: dict[str, Any]) -> str:
    """knowledge-update -> current_value, temporal-reasoning -> temporal, ids ending in "_abs"
    -> abstention, every other type -> current_value (the type stays in `group`)."""
    if question_group(item) == "abstention":
        return "abstention"
    return CATEGORY.get(str(item.get("question_type", "")), "current_value")


@lru_cache(maxsize=4)
def split_items(split: str) -> tuple[dict[str, Any], ...]:
    """The dev half's items of one split; for "eval", in the benchmark's seed order (question
    types dealt round-robin, ids sorted within each type)."""
    if split not in SPLITS:
        raise InputError(f"unknown LongMemEval split {split!r} (available: {', '.join(SPLITS)})")
    items = [it for it in dev_items() if split_of(str(it["question_id"])) == split]
    by_group: dict[str, list[dict[str, Any]]] = {}
    for it in sorted(items, key=lambda it: str(it["question_id"])):
        by_group.setdefault(question_group(it), []).append(it)
    order: list[dict[str, Any]] = []
    queues = [by_group[g] for g in sorted(by_group)]
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    return tuple(order)


def _evidence(item: dict[str, Any], events) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(evidence seqs, stale evidence seqs), as the module docstring says."""
    marked = [e for e in events if e.meta["has_answer"]]
    if item.get("question_type") != "knowledge-update" or not marked:
        return tuple(e.seq for e in marked), ()
    latest = max(e.ts or 0.0 for e in marked)
    current = [e for e in marked if (e.ts or 0.0) == latest]
    older = [e for e in marked if (e.ts or 0.0) != latest]
    answer = str(item.get("answer", ""))
    if any(contains(e.text, answer) for e in older):
        return tuple(e.seq for e in (*current, *older)), ()
    return tuple(e.seq for e in (*current, *older)), tuple(e.seq for e in older)


def longmemeval_stream(item: dict[str, Any], seed: int = 0) -> Stream:
    """The stream of one item; `seed` is only recorded (the item's place in its split)."""
    qid = str(item.get("question_id", ""))
    events = haystack_events(item)
    if not events:
        raise InputError("empty haystack (no turns)", field=qid)
    category = question_category(item)
    answer = str(item.get("answer", ""))
    evidence, stale = _evidence(item, events)
    by_seq = {e.seq: e for e in events}
    verbatim = len(answer.split()) <= SHORT_ANSWER_WORDS and any(
        contains(by_seq[s].text, answer) for s in evidence
    )
    question = Question(
        at_seq=events[-1].seq,
        query=str(item["question"]),
        answers=() if category == "abstention" else (answer,),
        stale=(),
        evidence=evidence,
        category=category,
        stale_evidence=stale,
        verbatim=verbatim,
        group=question_group(item),
    )
    info = {
        "source": "LongMemEval-S dev half",
        "question_id": qid,
        "question_type": item.get("question_type"),
        "question_date": item.get("question_date"),
        "question_ts": question_ts(item),
        "sessions": len(item.get("haystack_sessions", [])),
        "split": split_of(qid),
    }
    return Stream("longmemeval", "eval", seed, events, [question], {}, info=info)


def eval_stream(seed: int) -> Stream:
    """The benchmark's stream for seed `seed` (an index into the eval split's order)."""
    items = split_items("eval")
    if not 0 <= seed < len(items):
        raise InputError(f"longmemeval has eval items 0-{len(items) - 1}, got seed {seed}")
    return longmemeval_stream(items[seed], seed)
