"""The benchmark's data model: a `Stream` of events, the `Question`s asked along it, and the
per-event ground-truth `EventLabel`s used to train a compressor (never shown to systems).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ssmem.events import Event
from ssmem.labels import LABEL_TYPES

CATEGORIES = (
    "current_value",
    "implicit_update",  # a current value whose last change did not name its subject
    "constraint",
    "temporal",
    "open_loop",
    "causal",
    "exact_quote",
    "abstention",
)
SPLITS = ("train", "eval")


@dataclass(frozen=True)
class Question:
    """A question asked right after event `at_seq`.

    answers: accepted variants of the answer that is true at `at_seq` (empty = abstention:
    the stream never stated it). stale: values that were true earlier and were superseded.
    evidence: seqs of the events that state the answer. category: one of `CATEGORIES`.
    subject: what the question is about, as the question names it (an entity); where set,
    an answer counts as present only next to it (see `metrics.answer_near_subject`).
    stale_evidence: seqs of events that state a superseded value, for data that labels the
    events but not the old values' wording (LongMemEval's knowledge-update questions); such
    an event in the context without a supersession mark counts as stale exposure.
    verbatim: whether an accepted answer can appear word for word in a context (False for a
    computed or long answer such as "9 months" from "6 months" three months earlier; then
    `answerable` is not scored, only evidence recall).
    group: a finer label to report by (e.g. LongMemEval's question type); the benchmark's
    per-category tables use it where set, else `category`.
    """

    at_seq: int
    query: str
    answers: tuple[str, ...]
    stale: tuple[str, ...]
    evidence: tuple[int, ...]
    category: str
    subject: str | None = None
    stale_evidence: tuple[int, ...] = ()
    verbatim: bool = True
    group: str | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown question category {self.category!r}")
        if (self.category == "abstention") != (not self.answers):
            raise ValueError("abstention questions, and only they, have no answers")

    def to_dict(self) -> dict[str, Any]:
        return {
            "at_seq": self.at_seq,
            "query": self.query,
            "answers": list(self.answers),
            "stale": list(self.stale),
            "evidence": list(self.evidence),
            "category": self.category,
            **({"subject": self.subject} if self.subject is not None else {}),
            **({"stale_evidence": list(self.stale_evidence)} if self.stale_evidence else {}),
            **({"verbatim": False} if not self.verbatim else {}),
            **({"group": self.group} if self.group is not None else {}),
        }


@dataclass(frozen=True)
class EventLabel:
    """Ground truth for one event: its type, what it is about (`key`, e.g. "budget:Atlas"),
    the seq whose value it replaces or resolves (`supersedes`), and the value it states."""

    type: str
    key: str | None = None
    supersedes: int | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.type not in LABEL_TYPES:
            raise ValueError(f"unknown label type {self.type!r}")


@dataclass
class Stream:
    """One benchmark stream. `labels` maps seq -> label and is kept out of `Event.meta`."""

    family: str
    split: str
    seed: int
    events: list[Event]
    questions: list[Question]
    labels: dict[int, EventLabel] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)  # e.g. real-data source, haystack

    def event_by_seq(self) -> dict[int, Event]:
        return {e.seq: e for e in self.events}
