"""Sliding window: the most recent events that fit the budget, verbatim, oldest first.

The baseline every other system must beat. It forgets everything older than the budget.
If even the newest event is longer than the budget, its tail is kept (marked with "…").
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from ssmem.events import Event
from ssmem.systems.base import Context, Segment, Stats, check_budget, make_context
from ssmem.tokens import TokenCounter, default_counter

ELLIPSIS = "…"


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
        # [event, rendered line, token count or -1]: counted lazily, when a context needs it,
        # so bulk ingest does not tokenize lines that scroll out of the window unseen.
        self._events: deque[list] = deque(maxlen=self.config.max_events)
        self._seen = 0
        self._bytes = 0

    def ingest(self, events: Iterable[Event]) -> None:
        for ev in events:
            if len(self._events) == self._events.maxlen:
                self._bytes -= len(self._events[0][1].encode())
            line = ev.label()
            self._events.append([ev, line, -1])
            self._bytes += len(line.encode())
            self._seen += 1

    def context(self, query: str, budget: int) -> Context:
        return make_context(self.name, budget, self.counter, [self.window_segment(budget)])

    def window_segment(self, budget: int) -> Segment:
        """The newest events that fit `budget` tokens, as one segment (reused by other systems)."""
        check_budget(budget)
        picked: list[tuple[Event, str, int]] = []
        used = 0
        for entry in reversed(self._events):
            if entry[2] < 0:
                entry[2] = self.counter.count(entry[1])
            ev, line, n = entry
            sep = 1 if picked else 0  # the newline between lines counts as <= 1 token
            if used + n + sep <= budget:
                picked.append((ev, line, n))
                used += n + sep
                continue
            room = budget - used - sep - self.counter.count(ELLIPSIS)
            if room > 0:
                tail = self.counter.truncate(line, room, keep="tail")
                if tail:
                    picked.append((ev, ELLIPSIS + tail, self.counter.count(ELLIPSIS + tail)))
            break
        picked.reverse()
        text = "\n".join(line for _, line, _ in picked)
        return Segment(
            "window", tuple(ev.seq for ev, _, _ in picked), text, self.counter.count(text)
        )

    def stats(self) -> Stats:
        return Stats(events=self._seen, state_bytes=self._bytes)

    def export_state(self) -> bytes:
        """The kept events and the count seen, as canonical JSON (see `SnapshotableMemory`)."""
        state = {
            "version": 1,
            "max_events": self.config.max_events,
            "seen": self._seen,
            "events": [ev.to_dict() for ev, _, _ in self._events],
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
