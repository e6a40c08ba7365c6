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

from ssmem.context import Line, Previous
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "text": self.text,
            "source": self.source,
            "reason": self.reason,
            **({"ts": self.ts} if self.ts is not None else {}),
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
    seen: int = 1  # how many events restated it (duplicates merge here)
    _analysis: Analysis | None = field(default=None, repr=False, compare=False)
    _line: tuple[tuple, Line] | None = field(default=None, repr=False, compare=False)

    @property
    def analysis(self) -> Analysis:
        """The current text's words, tokens and phrases: made once per version, at write
        time by the materializer (else on first use), kept with the slot; matching, ranking
        and consolidation all read it."""
        if self._analysis is None:
            self._analysis = analyse(self.current.text)
        return self._analysis

    @property
    def seqs(self) -> list[int]:
        return sorted({v.seq for v in self.history} | {self.current.seq})

    def supersede(
        self,
        new: Version,
        reason: str,
        key: np.ndarray,
        text_vec: np.ndarray,
        analysis: Analysis | None = None,
    ) -> None:
        old = self.current
        self.history.append(replace(old, reason=f"{reason} by #{new.seq}"))
        self.current = new
        self._analysis = analysis
        self.last_seen = new.seq
        self.key = key
        self.text_vec = text_vec
        self.seen += 1

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
            "history": [v.to_dict() for v in self.history],
        }

    def as_line(self) -> Line:
        """The slot as a memory line: its current value, with a trace of what it replaced
        (built once per version and status: every query packs it again)."""
        prev = self.history[-1] if self.history else None
        key = (self.current.seq, self.status, prev.seq if prev else None, self.confidence)
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
            slot=self.id,
            confidence=self.confidence,
        )
        self._line = (key, line)
        return line
