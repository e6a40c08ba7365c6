"""Structured memory: bounded slots of verbatim text with provenance and change history.

A `Slot` holds the *current* text of one thing the stream said (a fact, a constraint, an open
question, ...), verbatim from its source event so numbers and ids are exact, the `seq`s it
came from, when it was first and last seen, how confident the heads were, and every value it
superseded (`history`, oldest first). Nothing here calls an LLM.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ssmem.context import Line, Previous, Subject
from ssmem.context.line import Overrides
from ssmem.labels import LABEL_TYPES
from ssmem.text import Analysis, analyse

# The slot types are the label types the heads are trained on.
TYPES = LABEL_TYPES
OPEN_TYPES = ("open_question", "task")


@dataclass(frozen=True)
class Version:
    """One value a slot held: the event text, its seq and source, and why it was replaced."""

    seq: int
    text: str
    source: str
    reason: str = ""  # "updated by #N" / "resolved by #N" once superseded
    ts: float | None = None  # the event's time, when the stream has one
    # Flags the supersession policy (`compressor/policy.py`) set when this value replaced
    # the one before it: that value was stated by another source / was a constraint.
    cross_source: bool = False
    supersedes_constraint: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "text": self.text,
            "source": self.source,
            "reason": self.reason,
            **({"ts": self.ts} if self.ts is not None else {}),
            **({"cross_source": True} if self.cross_source else {}),
            **({"supersedes_constraint": True} if self.supersedes_constraint else {}),
        }


@dataclass
class Slot:
    id: int
    type: str
    key: np.ndarray  # (d_key,) unit vector: what the slot is about
    text_vec: np.ndarray  # (384,) static embedding of the current text (query matching)
    current: Version
    first_seen: int
    last_seen: int
    confidence: float
    utility: float
    status: str = "active"  # active | open | resolved
    history: list[Version] = field(default_factory=list)
    seen: int = 1  # events that stated or changed it (duplicates merge here)
    copies: int = 1  # events that stated the current value (a flood collapses here)
    opened: Version | None = None  # the event that opened the slot: what it is about
    opened_words: frozenset[str] = frozenset()  # its words (an implicit update has none)
    thread: Version | None = None  # the earlier event a change pointed at as its subject
    _analysis: Analysis | None = field(default=None, repr=False, compare=False)
    _line: tuple[tuple, Line] | None = field(default=None, repr=False, compare=False)

    @property
    def analysis(self) -> Analysis:
        """The current text's words, tokens and phrases (preceded by its thread's, when a
        change pointed at one): made once per version, at write time by the materializer
        (else on first use), kept with the slot; matching, ranking and consolidation all
        read it."""
        if self._analysis is None:
            text = self.current.text
            self._analysis = analyse(f"{self.thread.text} {text}" if self.thread else text)
        return self._analysis

    @property
    def about_words(self) -> frozenset[str]:
        """The words that say what the slot is about: the opener's and the current value's."""
        return self.opened_words | self.analysis.words

    @property
    def seqs(self) -> list[int]:
        return sorted({v.seq for v in self.history} | {self.current.seq})

    def supersede(
        self, new: Version, reason: str, text_vec: np.ndarray, analysis: Analysis | None = None
    ) -> None:
        """`new` becomes the current value. The key stays the opener's: what the slot is
        about does not change with its value, and an implicit update ("bumped it to 8")
        has a key that says nothing of it — later updates must still find the slot."""
        old = self.current
        self.history.append(replace(old, reason=f"{reason} by #{new.seq}"))
        self.current = new
        self._analysis = analysis
        self.last_seen = new.seq
        self.text_vec = text_vec
        self.thread = None  # the thread named what the replaced value was about
        self.seen += 1
        self.copies = 1

    def restate(self, seq: int) -> None:
        """Event `seq` said the current value again (the same statement, `statement_key`)."""
        self.last_seen = seq
        self.seen += 1
        self.copies += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "text": self.current.text,
            "source": self.current.source,
            "seq": self.current.seq,
            "seqs": self.seqs,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "confidence": round(self.confidence, 4),
            "utility": round(self.utility, 4),
            "seen": self.seen,
            "copies": self.copies,
            "cross_source": self.current.cross_source,
            "supersedes_constraint": self.current.supersedes_constraint,
            "history": [v.to_dict() for v in self.history],
            **({"opened": self.opened.to_dict()} if self.opened is not None else {}),
            **({"thread": self.thread.to_dict()} if self.thread is not None else {}),
        }

    def as_line(self) -> Line:
        """The slot as a memory line: its current value, with a trace of what it replaced and,
        when neither is the event that opened the slot, that event as its subject (built once
        per version and status: every query packs it again)."""
        prev = self.history[-1] if self.history else None
        key = (
            self.current.seq,
            self.status,
            prev.seq if prev else None,
            self.confidence,
            self.copies,
        )
        if self._line is not None and self._line[0] == key:
            return self._line[1]
        line = Line(
            "memory",
            (self.current.seq,),
            self.current.text,
            self.current.source,
            self.current.ts,
            open=self.status == "open",
            previous=Previous(prev.seq, prev.text, self.status == "resolved") if prev else None,
            subject=self._subject(prev),
            slot=self.id,
            confidence=self.confidence,
            overrides=self._overrides(prev),
            copies=self.copies,
        )
        self._line = (key, line)
        return line

    def _overrides(self, prev: Version | None) -> Overrides | None:
        """The flagged replacement of `prev` by the current value, if the policy flagged it."""
        cur = self.current
        if prev is None or not (cur.cross_source or cur.supersedes_constraint):
            return None
        return Overrides(
            prev.seq, prev.source if cur.cross_source else "", cur.supersedes_constraint
        )

    def _subject(self, prev: Version | None) -> Subject | None:
        if self.thread is not None:
            return Subject.of(self.thread.seq, self.thread.text)
        opened = self.opened
        if opened is None or opened.seq == self.current.seq or (prev and opened.seq == prev.seq):
            return None
        return Subject.of(opened.seq, opened.text)
