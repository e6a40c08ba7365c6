"""Structured memory: bounded slots of verbatim text with provenance and change history.

A `Slot` holds the *current* text of one thing the stream said (a fact, a constraint, an open
question, ...), verbatim from its source event so numbers and ids are exact, the `seq`s it
came from, when it was first and last seen, how confident the heads were, and every value it
superseded (`history`, oldest first). Nothing here calls an LLM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ssmem.bench.types import LABEL_TYPES

# The slot types are the benchmark's label types: the heads are trained on those labels.
TYPES = LABEL_TYPES
OPEN_TYPES = ("open_question", "task")


@dataclass(frozen=True)
class Version:
    """One value a slot held: the event text, its seq and source, and why it was replaced."""

    seq: int
    text: str
    source: str
    reason: str = ""  # "updated by #N" / "resolved by #N" once superseded

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "text": self.text, "source": self.source, "reason": self.reason}


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

    @property
    def seqs(self) -> list[int]:
        return sorted({v.seq for v in self.history} | {self.current.seq})

    def supersede(self, new: Version, reason: str, key: np.ndarray, text_vec: np.ndarray) -> None:
        old = self.current
        self.history.append(Version(old.seq, old.text, old.source, f"{reason} by #{new.seq}"))
        self.current = new
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

    def line(self, with_history: bool = True) -> str:
        """One rendered line: ``[#seq] source: text`` plus a marked trace of what it replaced."""
        who = f"{self.current.source}: " if self.current.source else ""
        tag = "OPEN " if self.status == "open" else ""
        text = f"{tag}[#{self.current.seq}] {who}{self.current.text}"
        if with_history and self.history:
            prev = self.history[-1]
            verb = "resolves" if self.status == "resolved" else "supersedes"
            text += f' ({verb} #{prev.seq}, previously: "{prev.text}")'
        return text
