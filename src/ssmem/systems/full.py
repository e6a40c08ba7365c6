"""Full context: the whole stream when it fits the budget (the reference ceiling), else the
most recent events that fit (then it equals the sliding window). `info.truncated` says
which case a context is.
"""

from __future__ import annotations

from ssmem.context import Context, ContextInfo, make_context
from ssmem.systems.window import WindowConfig, WindowMemory
from ssmem.tokens import TokenCounter


class FullContextMemory(WindowMemory):
    """Keeps every event (no `max_events` cap) and packs newest-backwards like the window."""

    name = "full"

    def __init__(self, counter: TokenCounter | None = None) -> None:
        super().__init__(counter, WindowConfig(max_events=2**62, collapse=False))

    def context(self, query: str, budget: int) -> Context:
        packed = self.window_lines(budget)
        lines = packed.lines
        truncated = len(lines) < len(self._events) or any(line.cut for line in lines)
        info = ContextInfo(truncated=truncated)
        return make_context(self.name, budget, self.counter, lines, info)
