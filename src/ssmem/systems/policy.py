"""When to fire retrieval over the raw log: the trigger policy of the hybrid system.

Retrieval is an exact-recall and provenance tool, not a default. It fires, checked in this
order, when the question asks for exact wording (quotes, ids, error text), when the memory
says its confidence for the question is low, or when no memory line covers the question.
Every decision names the rule that fired, so the benchmark can count what each rule buys.
The hybrid system makes the decision once, while it builds the context, and records it in
`ContextInfo.retrieval`; nothing downstream decides again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ssmem.context import Line, Retrieval, render_lines
from ssmem.text.words import content_words

Rule = Literal["exact_wording", "low_confidence", "not_covered"]

# Set a priori (not tuned on evaluation data): half the question's content words must appear
# in memory for it to count as covered; confidence is on the systems' own [0, 1] scale.
DEFAULT_MIN_COVERAGE = 0.5
DEFAULT_MIN_CONFIDENCE = 0.5

_EXACT_WORDS = re.compile(
    r"\b(exact(ly)?|verbatim|word for word|quote[ds]?|wording|literal(ly)?|error (message|text)"
    r"|stack ?trace|traceback|log line|said exactly)\b",
    re.IGNORECASE,
)
# Double, typographic or back quotes; not apostrophes ("Ana's", "What’s").
_QUOTED = re.compile(r"[\"“”`]([^\"“”`]{2,})[\"“”`]")
_ID_LIKE = re.compile(
    r"\b([A-Z]{2,}[-_]\d+|0x[0-9a-fA-F]+|[0-9a-f]{7,40}|\w+\.(py|js|ts|go|rs|java|c|h|yaml|json)"
    r"|[\w-]+/[\w./-]+|E\d{3,5})\b"
)


@dataclass
class PolicyConfig:
    min_coverage: float = DEFAULT_MIN_COVERAGE
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    coverage_kinds: tuple[str, ...] = ("memory", "window")  # what the prompt already holds


Decision = Retrieval  # whether retrieval fires, which rule fired (None when not) and why


def wants_exact_wording(query: str) -> str | None:
    """What in the question asks for verbatim text (a quote, an id, error text), or None."""
    for pattern in (_EXACT_WORDS, _QUOTED, _ID_LIKE):
        m = pattern.search(query)
        if m:
            return m.group(0)
    return None


def coverage(query: str, text: str) -> float:
    """Fraction of the question's content words present in `text` (1.0 for no content words)."""
    q = content_words(query)
    if not q:
        return 1.0
    return len(q & content_words(text)) / len(q)


def decide_early(
    query: str, confidence: float | None, config: PolicyConfig | None = None
) -> Decision | None:
    """The rules that need no context, in order: exact wording, then low memory confidence
    (`confidence` None: the system reports none). None when neither fires."""
    cfg = config or PolicyConfig()
    hit = wants_exact_wording(query)
    if hit:
        return Decision(True, "exact_wording", f"question asks for exact text: {hit!r}")
    if confidence is not None and confidence < cfg.min_confidence:
        return Decision(True, "low_confidence", f"memory confidence {confidence:.2f}")
    return None


def decide_coverage(
    query: str, lines: Sequence[Line], config: PolicyConfig | None = None
) -> Decision:
    """The last rule: fire when the lines the prompt already holds (of `coverage_kinds`)
    cover too few of the question's content words."""
    cfg = config or PolicyConfig()
    held = render_lines(line for line in lines if line.kind in cfg.coverage_kinds)
    cov = coverage(query, held)
    if cov < cfg.min_coverage:
        return Decision(True, "not_covered", f"coverage {cov:.2f} of the question's words")
    return Decision(False, None, f"covered ({cov:.2f})")


def decide(
    query: str, confidence: float | None, lines: Sequence[Line], config: PolicyConfig | None = None
) -> Decision:
    """All rules in order: exact wording, low confidence (`confidence` None: the system
    reports none), then coverage of the question by `lines` (memory and window kinds)."""
    return decide_early(query, confidence, config) or decide_coverage(query, lines, config)
