"""Re-grounding: a memory checks what it holds against the event log, and repairs or drops
what the log does not back.

The log (hash-chained in the service) is the truth; a memory's state is derived from it and
could drift only through a bug, or a snapshot written by a faulty build. `ground(lookup)`
asks the log for the events the memory quotes (`lookup(seqs)` returns those it has, by seq)
and compares every quoted value's text and source with them:
- a quoted value whose event is in the log but says something else is rewritten from the
  log (a superseded value, a subject, a window line);
- a slot whose *current* value does not match is dropped: its vectors and decisions were
  made from text the log does not hold, so there is nothing sound to repair;
- anything whose event the log does not have is dropped.
`Grounding` counts what was checked, repaired and dropped, with a line per change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ssmem.events import Event

LogLookup = Callable[[Sequence[int]], Mapping[int, Event]]
MAX_NOTES = 20  # lines kept in a report; the counts are always complete


@dataclass
class Grounding:
    checked: int = 0  # quoted values compared with the log
    repaired: int = 0  # rewritten from the log
    dropped: int = 0  # removed: not in the log, or a current value the log contradicts
    notes: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(line)

    def add(self, other: Grounding) -> Grounding:
        self.checked += other.checked
        self.repaired += other.repaired
        self.dropped += other.dropped
        for line in other.notes:
            self.note(line)
        return self

    @property
    def clean(self) -> bool:
        return not (self.repaired or self.dropped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "repaired": self.repaired,
            "dropped": self.dropped,
            "notes": list(self.notes),
        }


def matches(held_text: str, held_source: str, event: Event | None) -> bool:
    """Whether a quoted value (text, source) is what the log's event says."""
    return event is not None and event.text == held_text and event.source == held_source


@runtime_checkable
class GroundableMemory(Protocol):
    """Contract: `ground(lookup)` leaves every value the memory quotes equal to the log's
    event of that seq (or gone), and reports what it changed; on a memory built from the
    log by ingest alone it changes nothing."""

    def ground(self, lookup: LogLookup) -> Grounding: ...


__all__ = ["GroundableMemory", "Grounding", "LogLookup", "matches"]
