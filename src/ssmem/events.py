"""The unit of every stream: one `Event` (a turn, a log line, an agent step, ...).

Events are immutable; `seq` is monotonic within a stream and is the provenance id that every
memory line, snippet and citation points back to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a stream.

    seq: position in the stream, strictly increasing (assigned by adapters when absent).
    ts: seconds since the epoch, or None when the source has no clock.
    source: who or what produced it (speaker, log component, agent role).
    kind: what it is ("turn", "log", "thought", "action", "observation", "line", ...).
    text: the content, verbatim.
    meta: anything else the source carried (e.g. LoCoMo's `dia_id`), JSON-serialisable.
    """

    seq: int
    text: str
    ts: float | None = None
    source: str = ""
    kind: str = "event"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.seq, int) or isinstance(self.seq, bool) or self.seq < 0:
            raise ValueError(f"seq must be a non-negative int, got {self.seq!r}")
        if not isinstance(self.text, str):
            raise ValueError(f"text must be a string, got {type(self.text).__name__}")
        if self.ts is not None and not (isinstance(self.ts, float) and math.isfinite(self.ts)):
            raise ValueError(f"ts must be a finite float or None, got {self.ts!r}")

    def label(self) -> str:
        """A compact one-line rendering with provenance: ``[#seq] source: text``."""
        who = f"{self.source}: " if self.source else ""
        return f"[#{self.seq}] {who}{self.text}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "source": self.source,
            "kind": self.kind,
            "text": self.text,
            "meta": dict(self.meta),
        }
