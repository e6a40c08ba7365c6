"""Measure each packaged reader: answer accuracy with oracle (gold evidence) context, prompt
and generation speed, and install size. Run by `ssmem bench-readers`.

Cases come from the benchmark generators (`ssmem.bench.generate`, eval split) when they are
importable, else from the seeded demo stream; plus LoCoMo questions with their gold evidence
turns (audit corrections applied). Oracle context = the evidence events in stream order, for
update questions also the superseded statements (the reader must pick the latest). Scoring:
an accepted answer appears in the reply after normalising case, `$`, commas and spaces;
abstention cases are right when the reader says "not in memory"; `stale` counts replies that
give a superseded value instead of the current one. Abstention recall = never-stated cases
abstained on / never-stated cases; precision = never-stated cases abstained on / all
abstentions (an abstention on a stated answer lowers it). LoCoMo adds token F1 (SQuAD-style).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ssmem.adapters.locomo import conversation_events
from ssmem.bench.qa_f1 import f1_score
from ssmem.events import Event
from ssmem.llm.base import LLMBackend
from ssmem.llm.reader import is_abstention, read_answer

SPEED_PROMPT_WORDS = 380  # ~500 reader tokens


@dataclass(frozen=True)
class ReaderCase:
    source: str
    context: str
    question: str
    answers: tuple[str, ...]  # empty: the reader should abstain
    stale: tuple[str, ...] = ()


def _norm(text: str) -> str:
    return re.sub(r"[\s$,]+", "", text.lower()).strip(".")


def score(case: ReaderCase, reply: str) -> dict[str, float]:
    said = _norm(reply)
    if not case.answers:
        return {"correct": float(is_abstention(reply)), "stale": 0.0}
    right = any(_norm(a) and _norm(a) in said for a in case.answers)
    stale = not right and any(_norm(s) and _norm(s) in said for s in case.stale)
    out = {"correct": float(right), "stale": float(stale)}
    if case.source == "locomo":
        out["f1"] = max(f1_score(reply, a) for a in case.answers)  # LoCoMo's official F1
    return out


def demo_cases(n: int) -> list[ReaderCase]:
    """Update-tracking questions from the seeded demo stream, plus never-stated ones."""
    from ssmem.demo import PROJECTS, demo_stream

    cases: list[ReaderCase] = []
    seed = 0
    while len(cases) < n:
        events, questions = demo_stream(seed, rounds=40)
        for q in questions:
            project = next(p for p in PROJECTS if p in q.query)
            topic = "budget" if "budget" in q.query else "owns"
            lines = [e.label() for e in events if project in e.text and topic in e.text]
            cases.append(ReaderCase("demo", "\n".join(lines), q.query, (q.answer,), q.stale))
        cases.append(
            ReaderCase("demo", "\n".join(e.label() for e in events[:8]), "Who owns Delta?", ())
        )
        seed += 1
    return cases[:n]


def bench_cases(n: int, counter: Any) -> list[ReaderCase] | None:
    """Oracle cases from the benchmark generators (eval split, one ~2k-token stream per
    family), taken round-robin over families; None if the generators are not available.

    Context: the evidence events plus the statements they superseded (followed through the
    labels), in stream order; abstention questions get the stream's first events.
    """
    try:
        from ssmem.bench.generators import EVAL_SEED_BASE, FAMILIES, THREAD_FAMILIES, generate
    except ImportError:
        return None
    per_family: list[list[ReaderCase]] = []
    for family in [f for f in FAMILIES if f not in THREAD_FAMILIES]:  # the four base ones
        stream = generate(family, "eval", EVAL_SEED_BASE, 2000, counter)
        by_seq = stream.event_by_seq()
        cases = []
        for q in stream.questions:
            seqs = set(q.evidence)
            for seq in q.evidence:
                label = stream.labels.get(seq)
                while label is not None and label.supersedes is not None:
                    seqs.add(label.supersedes)
                    label = stream.labels.get(label.supersedes)
            if q.category == "abstention":
                seqs = {e.seq for e in stream.events[:6]}
            lines = [by_seq[x].label() for x in sorted(seqs) if x in by_seq]
            cases.append(
                ReaderCase(f"bench:{family}", "\n".join(lines), q.query, q.answers, q.stale)
            )
        per_family.append(cases)
    out: list[ReaderCase] = []
    for i in range(max(len(c) for c in per_family)):
        out += [c[i] for c in per_family if i < len(c)]
    return out[:n]


def locomo_cases(n: int, data_dir: Path) -> list[ReaderCase]:
    """LoCoMo questions (categories 1, 2, 4: single-hop, temporal, multi-hop... with gold
    answers) and their gold evidence turns, corrected by the audit file; evenly spread."""
    samples = json.loads((data_dir / "locomo10.json").read_text())
    audit_path = data_dir / "locomo_audit_errors.json"
    audit = {a["question_id"]: a for a in json.loads(audit_path.read_text())}
    pool: list[ReaderCase] = []
    for si, sample in enumerate(samples):
        events = conversation_events(sample, str(data_dir / "locomo10.json"))
        turns = {e.meta["dia_id"]: e for e in events}
        for qi, qa in enumerate(sample["qa"]):
            if qa.get("category") not in (1, 2, 4) or "answer" not in qa:
                continue
            fix = audit.get(f"locomo_{si}_qa{qi}", {})
            evidence = fix.get("correct_evidence") or qa["evidence"]
            answer = str(fix.get("correct_answer") or qa["answer"])
            found = sorted((turns[d] for d in evidence if d in turns), key=lambda e: e.seq)
            if found:
                ctx = "\n".join(_dated(e) for e in found)
                pool.append(ReaderCase("locomo", ctx, qa["question"], (answer,)))
    step = max(1, len(pool) // max(1, n))
    return pool[::step][:n]


def _dated(event: Event) -> str:
    """LoCoMo answers dates relative to the session: show the session date on each turn."""
    if event.ts is None:
        return event.label()
    day = datetime.fromtimestamp(event.ts).strftime("%d %B %Y")
    return f"[#{event.seq}] ({day}) {event.source}: {event.text}"


def measure_speed(backend: LLMBackend, repeats: int = 3) -> dict[str, float]:
    """Prompt tok/s (a ~500-token prompt, 1 generated token) and generation tok/s (the extra
    time of 64 generated tokens over 1), after a warm-up call; each timing is the fastest of
    `repeats`, which damps the noise of a shared machine."""
    filler = " ".join(["the service restarted after the config change"] * (SPEED_PROMPT_WORDS // 7))
    msgs = [{"role": "user", "content": f"{filler}\nCount from 1 to 200, comma-separated."}]
    backend.complete(msgs, max_tokens=1)  # warm-up: first-call allocations
    first = min((backend.complete(msgs, max_tokens=1) for _ in range(repeats)),
                key=lambda c: c.latency_s)  # fmt: skip
    full = min((backend.complete(msgs, max_tokens=64) for _ in range(repeats)),
               key=lambda c: c.latency_s)  # fmt: skip
    extra = full.completion_tokens - first.completion_tokens
    gen_s = full.latency_s - first.latency_s
    return {
        "prompt_tokens": first.prompt_tokens,
        "prompt_tok_s": first.prompt_tokens / first.latency_s,
        "gen_tok_s": extra / gen_s if extra > 0 and gen_s > 0 else float("nan"),
    }


def run_reader(backend: LLMBackend, cases: list[ReaderCase], progress: Any = None) -> dict:
    """Accuracy, stale rate, abstention recall and precision and latency of one backend over
    `cases` (`summarise_rows`), with every reply."""
    rows = []
    for case in cases:
        t = time.perf_counter()
        done = read_answer(backend, case.context, case.question)
        rows.append({**score(case, done.text), "source": case.source, "reply": done.text,
                     "abstain_case": not case.answers, "abstained": is_abstention(done.text),
                     "latency_s": time.perf_counter() - t,
                     "prompt_tokens": done.prompt_tokens})  # fmt: skip
        if progress is not None:
            progress.update(1)
    return {**summarise_rows(rows), "rows": rows}


def summarise_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, stale rate, abstention recall and precision, F1 and latency over scored
    rows (each with correct, stale, source, abstain_case, abstained, latency_s)."""
    answerable = [r for r in rows if not r["abstain_case"]]
    abstain = [r for r in rows if r["abstain_case"]]
    abstained = [r for r in rows if r["abstained"]]
    by_source: dict[str, list[float]] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r["correct"])
    f1 = [r["f1"] for r in rows if "f1" in r]
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")  # noqa: E731
    hits = sum(r["abstained"] for r in abstain)
    return {
        "n": len(rows),
        "accuracy": mean([r["correct"] for r in rows]),
        "accuracy_by_source": {k: mean(v) for k, v in sorted(by_source.items())},
        "stale_answer_rate": mean([r["stale"] for r in answerable]),
        "abstention_accuracy": mean([r["correct"] for r in abstain]),
        "abstention_recall": hits / len(abstain) if abstain else float("nan"),
        "abstention_precision": hits / len(abstained) if abstained else float("nan"),
        "locomo_f1": mean(f1),
        "latency_s": mean([r["latency_s"] for r in rows]),
    }
