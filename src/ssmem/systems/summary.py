"""Summarization memory (baseline): an LLM rewrites a summary every K events; the prompt gets
that summary plus the recent raw window.

Two modes: `rolling` (one summary, rewritten from itself + the K new events: one LLM call per
write) and `hierarchical` (each K-event chunk summarised on its own; `fanout` summaries of a
level are merged into one of the next level, an extra call). Writes are greedy (temperature
0) with the backend's fixed seed, so a stream always gives the same memory. Every summary
line carries `[#seq]` provenance: the tags the LLM kept, else the range it covers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ssmem.events import Event
from ssmem.llm.base import LLMBackend, Message
from ssmem.systems.base import Context, Segment, Stats, check_budget, make_context
from ssmem.systems.window import WindowMemory
from ssmem.tokens import TokenCounter

_TAG = re.compile(r"\[#\s*(\d+)")

INSTRUCTIONS = (
    "You keep a short memory of a stream of notes. Keep current facts (owners, values, "
    "deadlines, decisions), rules that must hold, open items and errors. When a note changes "
    "a value, keep only the new value. After each fact keep its note number, like [#12]. "
    "Write short lines, no preamble."
)


@dataclass
class SummaryConfig:
    every: int = 32  # K: events per summary write
    mode: Literal["rolling", "hierarchical"] = "rolling"
    fanout: int = 4  # hierarchical: this many summaries of a level merge into one above
    summary_tokens: int = 192  # most tokens the LLM may write per summary
    chunk_tokens: int = 1536  # most tokens of new-event text per write (oldest lines cut)
    window_share: float = 0.5  # of the budget, for the recent raw window (adaptive)

    def __post_init__(self) -> None:
        if self.every < 1 or self.fanout < 2 or not 0.0 <= self.window_share <= 1.0:
            raise ValueError(f"bad SummaryConfig: {self}")


@dataclass
class Summary:
    text: str
    seqs: tuple[int, ...]  # events it was written from
    level: int = 0

    def render(self) -> str:
        tag = f"[#{self.seqs[0]}-#{self.seqs[-1]}]" if len(self.seqs) > 1 else f"[#{self.seqs[0]}]"
        lines = [ln.strip() for ln in self.text.split("\n") if ln.strip()]
        return "\n".join(ln if _TAG.search(ln) else f"{tag} {ln}" for ln in lines)

    def cited(self) -> tuple[int, ...]:
        """Provenance: the covered seqs the text cites, else every covered seq."""
        covered = set(self.seqs)
        tags = sorted({int(n) for n in _TAG.findall(self.text)} & covered)
        return tuple(tags) or self.seqs


@dataclass
class _State:
    levels: list[list[Summary]] = field(default_factory=list)  # rolling: levels[0] has <= 1
    pending: list[Event] = field(default_factory=list)
    llm_calls: int = 0
    events: int = 0


class SummaryMemory:
    """LLM-written summaries + recent window. `ingest` calls the LLM; `context` never does."""

    name = "summary"

    def __init__(
        self,
        backend: LLMBackend,
        counter: TokenCounter | None = None,
        config: SummaryConfig | None = None,
    ) -> None:
        self.backend = backend
        self.counter = counter or backend.counter
        self.config = config or SummaryConfig()
        self.window = WindowMemory(self.counter)
        self._s = _State()

    # -- writing ------------------------------------------------------------------------
    def ingest(self, events: Iterable[Event]) -> None:
        for ev in events:
            self.window.ingest([ev])
            self._s.pending.append(ev)
            self._s.events += 1
            if len(self._s.pending) >= self.config.every:
                self.flush()

    def flush(self) -> None:
        """Summarise the pending events now (also called every K events)."""
        chunk, self._s.pending = self._s.pending, []
        if not chunk:
            return
        seqs = tuple(e.seq for e in chunk)
        notes = self.backend.counter.truncate(
            "\n".join(e.label() for e in chunk), self.config.chunk_tokens, keep="tail"
        )
        levels = self._s.levels or [[]]
        self._s.levels = levels
        if self.config.mode == "rolling":
            old = levels[0][0] if levels[0] else None
            text = self._write(old.render() if old else "", notes)
            levels[0] = [Summary(text, (*(old.seqs if old else ()), *seqs))]
            return
        levels[0].append(Summary(self._write("", notes), seqs))
        for lvl in range(len(levels)):
            if len(levels[lvl]) < self.config.fanout:
                break
            group, levels[lvl] = levels[lvl], []
            merged = self._write("", "\n".join(s.render() for s in group))
            if lvl + 1 == len(levels):
                levels.append([])
            levels[lvl + 1].append(
                Summary(merged, tuple(q for s in group for q in s.seqs), lvl + 1)
            )

    def _write(self, memory: str, notes: str) -> str:
        messages: list[Message] = [
            {"role": "system", "content": INSTRUCTIONS},
            {
                "role": "user",
                "content": f"Memory so far:\n{memory or '(empty)'}\n\nNew notes:\n{notes}"
                "\n\nUpdated memory:",
            },
        ]
        done = self.backend.complete(
            messages, max_tokens=self.config.summary_tokens, temperature=0.0
        )
        self._s.llm_calls += 1
        return done.text.strip()

    # -- reading ------------------------------------------------------------------------
    def summaries(self) -> list[Summary]:
        """All summaries in time order (coarse, older levels first)."""
        return [s for level in reversed(self._s.levels) for s in level]

    def _memory_segment(self, room: int) -> Segment:
        picked: list[tuple[Summary, str]] = []
        used = 0
        for s in reversed(self.summaries()):  # newest first when not all fit
            text = s.render()
            n = self.counter.count(text) + (1 if picked else 0)
            if used + n > room:
                left = room - used - (1 if picked else 0)
                cut = self.counter.truncate(text, left) if left > 0 else ""
                if cut:
                    picked.append((s, cut))
                break
            picked.append((s, text))
            used += n
        picked.reverse()
        text = "\n".join(t for _, t in picked)
        seqs = tuple(sorted({q for s, _ in picked for q in s.cited()}))
        return Segment("memory", seqs, text, self.counter.count(text))

    def context(self, query: str, budget: int) -> Context:
        check_budget(budget)
        win = self.window.window_segment(int(budget * self.config.window_share))
        mem = self._memory_segment(max(0, budget - win.tokens - 1))
        if mem.tokens + win.tokens + 1 < budget:  # memory said less: the window takes the rest
            win = self.window.window_segment(max(0, budget - mem.tokens - 1))
        info = {"llm_calls": self._s.llm_calls, "summaries": len(self.summaries())}
        return make_context(self.name, budget, self.counter, [mem, win], info)

    def stats(self) -> Stats:
        state = sum(len(s.text.encode()) for s in self.summaries())
        return Stats(
            events=self._s.events,
            state_bytes=state + self.window.stats().state_bytes,
            llm_calls=self._s.llm_calls,
        )


def summary_factory(counter: TokenCounter | None) -> SummaryMemory:
    """The registered "summary" system: the local reader (or `SSMEM_SUMMARY_BACKEND`, any
    `load_backend` name) writes the summaries; `SSMEM_LLM_THREADS` sets local threads."""
    from ssmem.llm import load_backend

    name = os.environ.get("SSMEM_SUMMARY_BACKEND", "local")
    options = {} if name == "openai" else {"threads": int(os.environ.get("SSMEM_LLM_THREADS", 1))}
    return SummaryMemory(load_backend(name, **options), counter)
