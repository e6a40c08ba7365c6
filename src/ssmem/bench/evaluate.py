"""Run one memory system over one stream: ingest up to each question, build a context per
budget, score it. Ingest happens once; every budget is scored on the same ingested state.

Per run (system, stream, budget) it returns the aggregated metrics, the cost metrics
(ingest_s_per_event over the whole stream, query_s per context, llm_calls_per_event,
state_bytes at the end) and recall by distance: for each evidence event, whether it was in
the context, binned by log2 of the tokens between it and the question. On a stream with
implicit updates, `implicit_by_gap`: for the implicit-update questions, answerable (value
next to its subject) binned by the turns between the subject's last mention and the update.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ssmem.bench.metrics import Reader, aggregate, is_abstention, score_question
from ssmem.bench.types import Stream
from ssmem.systems import make_system
from ssmem.tokens import TokenCounter


def token_positions(stream: Stream, counter: TokenCounter) -> dict[int, int]:
    """seq -> tokens of the stream up to and including that event (its `label()` line)."""
    lines = [e.label() for e in stream.events]
    counts = (
        counter.count_many(lines)
        if hasattr(counter, "count_many")
        else [counter.count(x) for x in lines]
    )
    pos, total = {}, 0
    for ev, n in zip(stream.events, counts, strict=True):
        total += n + 1
        pos[ev.seq] = total
    return pos


def _locomo_f1(reply: str, answer: str, category: int) -> float:
    from ssmem.bench.qa_f1 import f1_score, multi_answer_f1

    if category == 5:
        return float(is_abstention(reply))
    if category == 1:
        return multi_answer_f1(reply, answer)
    if category == 3:
        answer = answer.split(";")[0].strip()
    return f1_score(reply, answer)


def evaluate(
    system_name: str,
    stream: Stream,
    budgets: list[int],
    counter: TokenCounter,
    reader: Reader | None = None,
) -> list[dict[str, Any]]:
    """One metrics dict per budget (in `budgets` order)."""
    system = make_system(system_name, counter)
    pos = token_positions(stream, counter)
    constraints = sorted(
        (s, lab.value) for s, lab in stream.labels.items() if lab.type == "constraint" and lab.value
    )
    index = {e.seq: i for i, e in enumerate(stream.events)}
    rows: dict[int, list[dict]] = {b: [] for b in budgets}
    bins: dict[int, dict[int, list[int]]] = {b: {} for b in budgets}
    gaps = stream.info.get("implicit_gap", {})
    by_gap: dict[int, dict[int, list[int]]] = {b: {} for b in budgets}
    query_s = {b: 0.0 for b in budgets}
    ingest_s, done = 0.0, 0
    order = sorted(range(len(stream.questions)), key=lambda i: stream.questions[i].at_seq)
    for qi in order:
        q = stream.questions[qi]
        upto = index[q.at_seq] + 1
        if upto > done:
            t = time.perf_counter()
            system.ingest(stream.events[done:upto])
            ingest_s += time.perf_counter() - t
            done = upto
        active = [c for s, c in constraints if s <= q.at_seq]
        for b in budgets:
            t = time.perf_counter()
            ctx = system.context(q.query, b)
            query_s[b] += time.perf_counter() - t
            if ctx.tokens > b:
                raise RuntimeError(f"{system_name} returned {ctx.tokens} tokens for budget {b}")
            row = score_question(ctx, q, active, reader)
            if reader is not None and "locomo_category" in stream.info:
                row["qa_f1"] = _locomo_f1(
                    row["reply"], (q.answers or ("",))[0], stream.info["locomo_category"][qi]
                )
            row.pop("reply", None)
            rows[b].append(row)
            if q.category == "implicit_update" and q.evidence[0] in gaps:
                hit = by_gap[b].setdefault(gaps[q.evidence[0]], [0, 0])
                hit[0] += int(row["answerable"])
                hit[1] += 1
            seqs = ctx.seqs()
            for e in q.evidence:
                d = max(1, pos[q.at_seq] - pos[e])
                hit = bins[b].setdefault(int(math.log2(d)), [0, 0])
                hit[0] += e in seqs
                hit[1] += 1
    t = time.perf_counter()
    system.ingest(stream.events[done:])
    ingest_s += time.perf_counter() - t
    stats = system.stats()
    n_events = max(1, len(stream.events))
    cats = [stream.questions[i].group or stream.questions[i].category for i in order]
    out = []
    for b in budgets:
        m = aggregate(rows[b], cats)
        if reader is not None and "locomo_category" in stream.info:
            m["qa_f1"] = sum(r["qa_f1"] for r in rows[b]) / max(1, len(rows[b]))
        m.update(
            ingest_s_per_event=ingest_s / n_events,
            query_s=query_s[b] / max(1, len(rows[b])),
            llm_calls_per_event=stats.llm_calls / n_events,
            state_bytes=stats.state_bytes,
            events=len(stream.events),
            actual_tokens=pos[stream.events[-1].seq] if stream.events else 0,
            recall_by_distance={str(k): v for k, v in sorted(bins[b].items())},
        )
        if any(q.group for q in stream.questions):
            m["grouped"] = True  # per-group tables in the report (`Question.group`)
        if by_gap[b]:
            m["implicit_by_gap"] = {str(k): v for k, v in sorted(by_gap[b].items())}
        out.append(m)
    return out
