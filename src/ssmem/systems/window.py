"""Sliding window: the most recent events that fit the budget, verbatim, oldest first.

The baseline every other system must beat. It forgets everything older than the budget.
If even the newest event is longer than the budget, its tail is kept (tag kept, text cut
with "…"). Copies of one statement (`statement_key`; a flood) are shown once, where the
newest copy stands, with their count and seqs (`Line.copies`, `Line.copy_seqs`): every copy
in the window when the statement stands alone (`stands_alone`), else only a run of adjacent
copies (a short reply means what the line before it asked).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import groupby

from ssmem.compressor.policy import stands_alone, statement_key
from ssmem.context import Context, Line, Packed, make_context, pack
from ssmem.events import Event
from ssmem.systems.base import Stats, check_budget
from ssmem.systems.grounding import Grounding, LogLookup
from ssmem.tokens import TokenCounter, default_counter


@dataclass
class WindowConfig:
    max_events: int = 20_000  # events kept; a budget never needs more lines than tokens
    collapse: bool = True  # copies of one statement (a flood) show as one line with a count


class WindowMemory:
    """Keeps the last `max_events` events; `context` packs them newest-backwards."""

    name = "window"

    def __init__(
        self, counter: TokenCounter | None = None, config: WindowConfig | None = None
    ) -> None:
        self.counter = counter or default_counter()
        self.config = config or WindowConfig()
        self._events: deque[Event] = deque(maxlen=self.config.max_events)
        # With `collapse`: each kept event's statement key, and key -> seqs of its copies.
        self._keys: deque[str] = deque(maxlen=self.config.max_events)
        self._copies: dict[str, deque[int]] = {}
        self._seen = 0
        self._bytes = 0

    def ingest(self, events: Iterable[Event]) -> None:
        collapse = self.config.collapse
        for ev in events:
            if len(self._events) == self._events.maxlen:
                self._bytes -= _size(self._events[0])
                if collapse:
                    gone = self._copies[self._keys[0]]
                    gone.popleft()
                    if not gone:
                        del self._copies[self._keys[0]]
            self._events.append(ev)
            if collapse:
                key = statement_key(ev.text)
                self._keys.append(key)
                self._copies.setdefault(key, deque()).append(ev.seq)
            self._bytes += _size(ev)
            self._seen += 1

    def context(self, query: str, budget: int) -> Context:
        return make_context(self.name, budget, self.counter, self.window_lines(budget).lines)

    def window_lines(self, budget: int, notes: Callable[[Line], Line] | None = None) -> Packed:
        """The newest events that fit `budget` tokens, oldest first (reused by other
        systems); `notes` adds a line's notes before it is packed."""
        check_budget(budget)
        lines = self._newest_first()
        if notes is not None:
            lines = (notes(line) for line in lines)
        return pack(lines, budget, self.counter, newest_first=True, cut="tail")

    def _newest_first(self) -> Iterator[Line]:
        """The window's lines, newest first, copies of one statement collapsed (module
        docstring) unless `collapse` is off."""
        if not self.config.collapse:
            yield from (Line.of_event(ev, "window") for ev in reversed(self._events))
            return
        shown: set[str] = set()  # statements already shown, with all their copies
        pairs = zip(reversed(self._events), reversed(self._keys), strict=True)
        for key, run in groupby(pairs, key=lambda pair: pair[1]):
            events = [ev for ev, _ in run]  # adjacent copies, newest first
            if not key:  # no words or numbers at all: nothing to call the same
                yield from (Line.of_event(ev, "window") for ev in events)
                continue
            newest = events[0]
            if stands_alone(key):
                if key in shown:
                    continue
                shown.add(key)
                others = tuple(q for q in self._copies[key] if q != newest.seq)
            else:
                others = tuple(ev.seq for ev in reversed(events[1:]))
            line = Line.of_event(newest, "window")
            yield replace(line, copies=1 + len(others), copy_seqs=others) if others else line

    def stats(self) -> Stats:
        return Stats(events=self._seen, state_bytes=self._bytes)

    def ground(self, lookup: LogLookup) -> Grounding:
        """Every kept event checked against the log's (`ssmem.systems.grounding`): one that
        differs is replaced by the log's, one the log lacks is dropped."""
        report = Grounding()
        truth = lookup([ev.seq for ev in self._events])
        kept: list[Event] = []
        for ev in self._events:
            report.checked += 1
            real = truth.get(ev.seq)
            if real is None:
                report.dropped += 1
                report.note(f"window: #{ev.seq} is not in the log; dropped")
            elif real != ev:
                report.repaired += 1
                report.note(f"window: #{ev.seq} differs from the log; rewritten from it")
                kept.append(real)
            else:
                kept.append(ev)
        if not report.clean:
            seen = self._seen
            self._events.clear()
            self._keys.clear()
            self._copies.clear()
            self._bytes = 0
            self.ingest(kept)
            self._seen = seen
        return report

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
        self._keys.clear()
        self._copies.clear()
        self._bytes = 0
        self.ingest(events)
        self._seen = seen


def _size(ev: Event) -> int:
    """Bytes of the event as a rendered line (what the window's state_bytes counts)."""
    return len(ev.label().encode())
