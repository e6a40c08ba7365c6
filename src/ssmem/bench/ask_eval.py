"""What `ssmem ask` answers over a question set: the same path (system built from the events
up to the question, `orchestrator.answer` at one budget, the reader's reply parsed the same
way), scored per stream and overall. Run by `ssmem bench-ask`.

Scoring, per question: *right* when an accepted answer appears in the answer (normalised
containment, `answer_found`); *stale* when it is not right and a superseded value appears
instead; *abstained* when the answer is the reader's abstention (`is_abstention`). A
never-stated question (no accepted answers) is right when the reader abstained. Abstention
recall = never-stated questions abstained on / never-stated questions; precision =
never-stated questions abstained on / all abstentions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ssmem.bench.metrics import contains
from ssmem.bench.types import Question, Stream
from ssmem.events import Event
from ssmem.llm.base import LLMBackend
from ssmem.llm.reader import is_abstention
from ssmem.orchestrator import answer
from ssmem.systems.base import MemorySystem

BuildSystem = Callable[[str, list[Event], LLMBackend], MemorySystem]
_ALNUM = re.compile(r"[0-9a-z]+")


def answer_found(reply: str, accepted: str) -> bool:
    """`accepted` occurs in `reply` after lower-casing, as its runs of letters and digits in
    order with anything but letters and digits between them, not inside a longer word or
    number: "604-555-0187" matches "(604) 555 0187", "$42,000" matches "42000", "5:30"
    matches "26, 5:30pm", "5.4" matches "5.4mg"; "30" does not match "300", nor "green"
    "greenish". Falls back to `metrics.contains` (the reader-free benchmark's rule)."""
    if contains(reply, accepted):
        return True
    parts = _ALNUM.findall(accepted.lower())
    if not parts:
        return False
    before = r"(?<![0-9])" if parts[0][0].isdigit() else r"(?<![0-9a-z])"
    after = r"(?![0-9])" if parts[-1][-1].isdigit() else r"(?![0-9a-z])"
    pattern = before + r"[^0-9a-z]*".join(map(re.escape, parts)) + after
    return re.search(pattern, reply.lower()) is not None


@dataclass(frozen=True)
class Verdict:
    right: bool
    stale: bool
    abstained: bool


def judge(q: Question, reply: str) -> Verdict:
    """Score one reply to `q` (see the module docstring)."""
    abstained = is_abstention(reply)
    if not q.answers:
        return Verdict(right=abstained, stale=False, abstained=abstained)
    if abstained:
        return Verdict(right=False, stale=False, abstained=True)
    right = any(answer_found(reply, a) for a in q.answers)
    stale = not right and any(answer_found(reply, s) for s in q.stale)
    return Verdict(right=right, stale=stale, abstained=False)


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts and rates over scored rows (each with right, stale, abstained, never_stated)."""
    never = [r for r in rows if r["never_stated"]]
    stated = [r for r in rows if not r["never_stated"]]
    abstained = [r for r in rows if r["abstained"]]
    ratio = lambda a, b: a / b if b else None  # noqa: E731
    n_right_never = sum(r["abstained"] for r in never)
    return {
        "questions": len(rows),
        "right": sum(r["right"] for r in rows),
        "right_rate": ratio(sum(r["right"] for r in rows), len(rows)),
        "stated": len(stated),
        "stated_right": sum(r["right"] for r in stated),
        "stale": sum(r["stale"] for r in stated),
        "stale_rate": ratio(sum(r["stale"] for r in stated), len(stated)),
        "never_stated": len(never),
        "abstentions": len(abstained),
        "abstention_recall": ratio(n_right_never, len(never)),
        "abstention_precision": ratio(n_right_never, len(abstained)),
    }


def run_ask_eval(
    streams: Sequence[Stream],
    system: str,
    budget: int,
    backend: LLMBackend,
    build: BuildSystem,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Ask every question of every stream the way `ssmem ask` does: `build(system, events up
    to at_seq, backend)`, then `orchestrator.answer(..., budget, backend)`. One system is
    built per distinct `at_seq` and shared by the questions asked there."""
    total = sum(len(s.questions) for s in streams)
    rows: list[dict[str, Any]] = []
    for stream in streams:
        name = str(stream.info.get("newuser") or stream.info.get("handwritten") or stream.family)
        for at_seq in sorted({q.at_seq for q in stream.questions}):
            mem = build(system, [e for e in stream.events if e.seq <= at_seq], backend)
            for q in (q for q in stream.questions if q.at_seq == at_seq):
                start = time.perf_counter()
                ans = answer(mem, q.query, budget, backend)
                verdict = judge(q, ans.answer)
                rows.append(
                    {
                        "stream": name,
                        "at_seq": at_seq,
                        "query": q.query,
                        "category": q.category,
                        "accepted": list(q.answers),
                        "stale_values": list(q.stale),
                        "never_stated": not q.answers,
                        "answer": ans.answer,
                        "raw": ans.raw,
                        "citations": ans.citations,
                        "prompt_tokens": ans.prompt_tokens,
                        "retrieval_fired": ans.retrieval_fired,
                        "seconds": round(time.perf_counter() - start, 2),
                        "right": verdict.right,
                        "stale": verdict.stale,
                        "abstained": verdict.abstained,
                    }
                )
                if progress is not None:
                    mark = "right" if verdict.right else "STALE" if verdict.stale else "wrong"
                    progress(
                        f"[{len(rows)}/{total}] {name}@{at_seq} {mark}: {q.query} -> "
                        f"{ans.answer!r} ({rows[-1]['seconds']:.1f} s)"
                    )
    names = list(dict.fromkeys(r["stream"] for r in rows))
    return {
        "per_stream": {n: summarise([r for r in rows if r["stream"] == n]) for n in names},
        "overall": summarise(rows),
        "rows": rows,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def markdown_table(result: dict[str, Any]) -> str:
    """Per stream and overall: questions, right, stale, abstention recall and precision."""
    head = (
        "| stream | questions | right | right (stated) | stale (of stated) | never stated "
        "| abstention recall | abstention precision |\n|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    items = [*result["per_stream"].items(), ("**overall**", result["overall"])]
    for name, s in items:
        lines.append(
            f"| {name} | {s['questions']} | {s['right']} ({_pct(s['right_rate'])}) | "
            f"{s['stated_right']}/{s['stated']} | {s['stale']} ({_pct(s['stale_rate'])}) | "
            f"{s['never_stated']} | {_pct(s['abstention_recall'])} | "
            f"{_pct(s['abstention_precision'])} |"
        )
    return head + "\n".join(lines) + "\n"
