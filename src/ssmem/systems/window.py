"""Sliding window: the most recent events that fit the budget, verbatim, oldest first.

The baseline every other system must beat. It forgets everything older than the budget.
If even the newest event is longer than the budget, its tail is kept (tag kept, text cut
with "…").
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ssmem.context import Context, Line, Packed, make_context, pack
from ssmem.events import Event
from ssmem.systems.base import Stats, check_budget
from ssmem.tokens import TokenCounter, default_counter


@dataclass
class WindowConfig:
    max_events: int = 20_000  # events kept; a budget never needs more lines than tokens


class WindowMemory:
    """Keeps the last `max_events` events; `context` packs them newest-backwards."""

    name = "window"

    def __init__(
        self, counter: TokenCounter | None = None, config: WindowConfig | None = None
    ) -> None:
        self.counter = counter or default_counter()
        self.config = config or WindowConfig()
        self._events: deque[Event] = deque(maxlen=self.config.max_events)
        self._seen = 0
        self._bytes = 0

    def ingest(self, events: Iterable[Event]) -> None:
        for ev in events:
            if len(self._events) == self._events.maxlen:
                self._bytes -= _size(self._events[0])
            self._events.append(ev)
            self._bytes += _size(ev)
            self._seen += 1

    def context(self, query: str, budget: int) -> Context:
        return make_context(self.name, budget, self.counter, self.window_lines(budget).lines)

    def window_lines(self, budget: int, notes: Callable[[Line], Line] | None = None) -> Packed:
        """The newest events that fit `budget` tokens, oldest first (reused by other
        systems); `notes` adds a line's notes before it is packed."""
        check_budget(budget)
        lines = (Line.of_event(ev, "window") for ev in reversed(self._events))
        if notes is not None:
            lines = (notes(line) for line in lines)
        return pack(lines, budget, self.counter, newest_first=True, cut="tail")

    def stats(self) -> Stats:
        return Stats(events=self._seen, state_bytes=self._bytes)

    def export_state(self) -> bytes:
        """The kept events and the count seen, as canonical JSON (see `SnapshotableMemory`)."""
        state = {
            "version": 1,
            "max_events": self.config.max_events,
            "seen": self._seen,
            "events": [ev.to_dict() for ev in self._events],
        }
        return json.dumps(state, ensure_ascii=False, sort_keys=True).encode()

    def import_state(self, data: bytes) -> None:
        """Restore what `export_state` wrote; raises ValueError on anything else."""
        try:
            state = json.loads(data)
            if state.get("version") != 1 or state["max_events"] != self.config.max_events:
                raise ValueError("window state has another version or max_events")
            events = [Event(**e) for e in state["events"]]
            seen = int(state["seen"])
        except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"unreadable window state: {err}") from None
        self._events.clear()
        self._bytes = 0
        self.ingest(events)
        self._seen = seen


def _size(ev: Event) -> int:
    """Bytes of the event as a rendered line (what the window's state_bytes counts)."""
    return len(ev.label().encode())
