"""Benchmark metrics, per question and aggregated.

Reader-free (from the context alone), each 0..1 or None where it does not apply:
- answerable: some accepted answer occurs in the context (not for abstention questions); for a
  question with a `subject`, only next to it (`answer_near_subject`): a bare "heard back: 450"
  with nothing tying it to the Harbor deposit does not let a reader answer.
- stale_exposure: some superseded value occurs on a context line that does not mark it as old
  (or, for a question with `stale_evidence` seqs instead of old values, one of those events
  is in the context and not marked superseded: `Context.marked_seqs()`).
  A line *marks* a value as old when it contains one of `MARKERS` ("(superseded", "was",
  "previously", "formerly", "no longer", "old value", "replaced by", "changed from"),
  matched as whole words, case-insensitively. None when the question has no stale values.
- current_marked (lower is better): for current-value questions, whether the context marks the
  event holding the *current* value as superseded (a line of it carries a supersession
  note: `Context.marked_seqs()`): the cost side of marking, so marking cannot buy a low
  stale_exposure for free.
- evidence_recall: share of the question's evidence seqs among the context's seqs.
- constraint_retention: share of the session's constraints stated so far whose text occurs in
  the context (asked of every question: constraints must hold for the whole session).
- quote_exact: an accepted answer occurs verbatim, case and spacing included (exact_quote only).
- tokens: the context's token count.
Occurrence ("contains") compares normalised text — lowercase, `$` and `,` dropped, runs of
whitespace collapsed — and needs word boundaries: "7200" is not found in "17200" or "7.2001".

With a reader (`reader(context, question) -> answer`): accuracy (an accepted answer in the
reply; for abstention questions, the reply abstains), stale_answer_rate (the reply holds a
stale value and no current one), abstention_accuracy (abstention questions only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ssmem.bench.types import Question
from ssmem.context.render import render_line
from ssmem.systems.base import Context

Reader = Callable[[str, str], str]

MARKERS = re.compile(
    r"\(superseded|\b(?:superseded|was|previously|formerly|no longer|old value|replaced by|"
    r"changed from)\b",
    re.IGNORECASE,
)
READER_FREE = (
    "answerable",
    "stale_exposure",
    "current_marked",
    "evidence_recall",
    "constraint_retention",
    "quote_exact",
    "tokens",
)
WITH_READER = ("accuracy", "stale_answer_rate", "abstention_accuracy")


def normalise(text: str) -> str:
    text = text.lower().replace("$", "").replace(",", "")
    return re.sub(r"\s+", " ", text).strip()


def contains(haystack: str, needle: str) -> bool:
    """`needle` occurs in `haystack` after normalising both, on word boundaries."""
    n = normalise(needle)
    if not n:
        return False
    pattern = r"(?<![0-9a-z])(?<![0-9]\.)" + re.escape(n) + r"(?![0-9a-z]|\.[0-9a-z])"
    return re.search(pattern, normalise(haystack)) is not None


NEAR = 4  # raw lines above an answer that may name its subject (a thread's 0-3 turns + 1)


def answer_near_subject(ctx: Context, answers: Sequence[str], subject: str) -> bool:
    """Some line holds an accepted answer and names `subject` itself, or (raw window or
    retrieved text) one of the `NEAR` lines just above it in the same part, at most `NEAR`
    events earlier, does. A memory line stands alone: its notes (previously, about) are on
    the line."""
    lines = ctx.lines
    text = [render_line(line) for line in lines]
    for i, line in enumerate(lines):
        if not any(contains(text[i], a) for a in answers):
            continue
        if contains(text[i], subject):
            return True
        if line.kind == "memory":
            continue
        for j in range(i - 1, max(-1, i - 1 - NEAR), -1):
            above = lines[j]
            if above.kind != line.kind or not 0 < line.seq - above.seq <= NEAR:
                break
            if contains(text[j], subject):
                return True
    return False


def is_abstention(answer: str) -> bool:
    from ssmem.llm.reader import is_abstention as llm_is_abstention

    return llm_is_abstention(answer)


def stale_exposed(text: str, stale: Iterable[str]) -> bool:
    """A stale value sits on some line that carries no marker (see `MARKERS`)."""
    values = list(stale)
    return any(
        not MARKERS.search(line) and any(contains(line, v) for v in values)
        for line in text.split("\n")
    )


def score_question(
    ctx: Context,
    q: Question,
    constraints: Sequence[str] = (),
    reader: Reader | None = None,
) -> dict[str, Any]:
    """All metrics of one question over one context (None = not applicable)."""
    text = ctx.render()
    seqs = ctx.seqs()
    abstain = q.category == "abstention"
    if q.stale:
        stale = float(stale_exposed(text, q.stale))
    elif q.stale_evidence:
        marked = ctx.marked_seqs()
        stale = float(any(s in seqs and s not in marked for s in q.stale_evidence))
    else:
        stale = None
    m: dict[str, Any] = {
        "answerable": None
        if abstain or not q.verbatim
        else float(
            answer_near_subject(ctx, q.answers, q.subject)
            if q.subject
            else any(contains(text, a) for a in q.answers)
        ),
        "stale_exposure": stale,
        "current_marked": (
            float(q.evidence[0] in ctx.marked_seqs())
            if q.category in ("current_value", "implicit_update") and q.evidence
            else None
        ),
        "evidence_recall": (
            sum(e in seqs for e in q.evidence) / len(q.evidence) if q.evidence else None
        ),
        "constraint_retention": (
            sum(contains(text, c) for c in constraints) / len(constraints) if constraints else None
        ),
        "quote_exact": (
            float(any(a in text for a in q.answers)) if q.category == "exact_quote" else None
        ),
        "tokens": ctx.tokens,
    }
    if reader is not None:
        reply = reader(text, q.query)
        said_current = any(contains(reply, a) for a in q.answers)
        m["reply"] = reply
        m["accuracy"] = float(is_abstention(reply) if abstain else said_current)
        m["stale_answer_rate"] = (
            float(not said_current and any(contains(reply, s) for s in q.stale))
            if q.stale
            else None
        )
        m["abstention_accuracy"] = float(is_abstention(reply)) if abstain else None
    return m


def mean_of(rows: Sequence[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return sum(vals) / len(vals) if vals else None


def aggregate(rows: Sequence[dict[str, Any]], categories: Sequence[str]) -> dict[str, Any]:
    """Means over questions where each metric applies, plus answerable (and accuracy) per
    category. `rows` are `score_question` results; `categories` their question categories."""
    out: dict[str, Any] = {k: mean_of(rows, k) for k in (*READER_FREE, *WITH_READER)}
    out = {k: v for k, v in out.items() if v is not None or k in READER_FREE}
    out["questions"] = len(rows)
    by_cat: dict[str, dict[str, float | None]] = {}
    for cat in sorted(set(categories)):
        sub = [r for r, c in zip(rows, categories, strict=True) if c == cat]
        by_cat[cat] = {
            "n": len(sub),
            "answerable": mean_of(sub, "answerable"),
            "evidence_recall": mean_of(sub, "evidence_recall"),
            "stale_exposure": mean_of(sub, "stale_exposure"),
        }
        if any("accuracy" in r for r in sub):
            by_cat[cat]["accuracy"] = mean_of(sub, "accuracy")
    out["by_category"] = by_cat
    return out
