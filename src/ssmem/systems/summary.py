"""Summarization memory (baseline): an LLM rewrites a summary every K events; the prompt gets
that summary plus the recent raw window.

Two modes: `rolling` (one summary, rewritten from itself + the K new events: one LLM call per
write) and `hierarchical` (each K-event chunk summarised on its own; `fanout` summaries of a
level are merged into one of the next level, an extra call). Writes are greedy (temperature
0) with the backend's fixed seed, so a stream always gives the same memory. Every summary
line carries provenance (typed seqs, rendered `[#seq]` by the one renderer): the note (or
earlier summary line) it shares the most words with, else the range of events the summary
covers. What the LLM writes is data: a tag it writes is text, never provenance.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ssmem.context import Context, ContextInfo, Line, Packed, make_context, pack, render_lines
from ssmem.events import Event
from ssmem.llm.base import LLMBackend
from ssmem.systems.base import Stats, check_budget
from ssmem.systems.window import WindowMemory
from ssmem.text.words import content_words
from ssmem.tokens import TokenCounter

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
Source = tuple[tuple[int, ...], str]  # the seqs a text came from, and the text

ASK = (
    "Summarize the facts that are true at the end of these notes as at most 10 short bullet "
    "points (owners, values, deadlines, decisions, rules that must hold, open items, errors). "
    "If a value changed, give only the newest. Ignore small talk."
)


def _attribute(line: str, sources: list[Source]) -> Source:
    """`line` with the seqs of the source sharing the most content words with it (at least
    2; the latest on ties, as summaries state newest values); () when none does: the line
    then stands for its summary's whole range."""
    words = content_words(line)
    best: tuple[int, int] = (1, -1)  # (overlap, latest seq)
    tag: tuple[int, ...] = ()
    for seqs, text in sources:
        key = (len(words & content_words(text)), max(seqs, default=-1))
        if key > best:
            best, tag = key, seqs
    return tag, line


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
    lines: list[Source]  # each line with the seqs it came from (() for the whole range)
    seqs: tuple[int, ...]  # events it was written from
    level: int = 0

    def sources(self) -> list[Source]:
        """Each line with its seqs (its summary's range when it has none of its own)."""
        return [(tag or self.seqs, text) for tag, text in self.lines]

    def as_lines(self) -> list[Line]:
        return [Line("memory", seqs, text) for seqs, text in self.sources()]

    @property
    def text(self) -> str:
        return render_lines(self.as_lines())


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
        notes = [((e.seq,), f"{e.source}: {e.text}" if e.source else e.text) for e in chunk]
        levels = self._s.levels or [[]]
        self._s.levels = levels
        if self.config.mode == "rolling":
            old = levels[0][0] if levels[0] else None
            lines = self._write(old.sources() if old else [], notes)
            levels[0] = [Summary(lines, (*(old.seqs if old else ()), *seqs))]
            return
        levels[0].append(Summary(self._write([], notes), seqs))
        for lvl in range(len(levels)):
            if len(levels[lvl]) < self.config.fanout:
                break
            group, levels[lvl] = levels[lvl], []
            merged = self._write([], [src for s in group for src in s.sources()])
            if lvl + 1 == len(levels):
                levels.append([])
            levels[lvl + 1].append(
                Summary(merged, tuple(q for s in group for q in s.seqs), lvl + 1)
            )

    def _write(self, prior: list[Source], notes: list[Source]) -> list[Source]:
        """One LLM call; returns the summary's lines, each with its likeliest source's seqs.

        The notes go in without `[#seq]` tags (with tags, the small local writers copy the
        notes verbatim instead of summarising); provenance is restored afterwards by word
        overlap between each summary line and the notes / previous summary lines.
        """
        text = "\n".join(t for _, t in notes)
        text = self.backend.counter.truncate(text, self.config.chunk_tokens, keep="tail")
        before = "".join(f"- {t}\n" for _, t in prior)
        content = (f"Summary so far:\n{before}\n" if before else "") + f"Notes:\n{text}\n\n{ASK}"
        done = self.backend.complete(
            [{"role": "user", "content": content}],
            max_tokens=self.config.summary_tokens,
            temperature=0.0,
        )
        self._s.llm_calls += 1
        lines: list[str] = []
        for raw in done.text.split("\n"):
            line = _BULLET.sub("", raw).strip()
            if line and line not in lines:
                lines.append(line)
        return [_attribute(line, [*prior, *notes]) for line in lines]

    # -- reading ------------------------------------------------------------------------
    def summaries(self) -> list[Summary]:
        """All summaries in time order (coarse, older levels first)."""
        return [s for level in reversed(self._s.levels) for s in level]

    def memory_lines(self, room: int) -> Packed:
        """Summary lines within `room` tokens: the newest summaries first when not all fit;
        a summary that fits only in part gives its first lines (the last one cut)."""
        picked: list[Line] = []
        for s in reversed(self.summaries()):
            used = self.counter.count(render_lines(picked)) + (1 if picked else 0)
            part = pack(s.as_lines(), room - used, self.counter, cut="head")
            picked[:0] = part.lines
            if len(part.lines) < len(s.lines) or any(x.cut for x in part.lines):
                break
        return Packed(tuple(picked), self.counter.count(render_lines(picked)))

    def context(self, query: str, budget: int) -> Context:
        check_budget(budget)
        win = self.window.window_lines(int(budget * self.config.window_share))
        mem = self.memory_lines(max(0, budget - win.tokens - 1))
        if mem.tokens + win.tokens + 1 < budget:  # memory said less: the window takes the rest
            win = self.window.window_lines(max(0, budget - mem.tokens - 1))
        info = ContextInfo(llm_calls=self._s.llm_calls, summaries=len(self.summaries()))
        return make_context(self.name, budget, self.counter, [*mem.lines, *win.lines], info)

    def stats(self) -> Stats:
        state = sum(len(t.encode()) for s in self.summaries() for _, t in s.lines)
        return Stats(
            events=self._s.events,
            state_bytes=state + self.window.stats().state_bytes,
            llm_calls=self._s.llm_calls,
        )


def summary_factory(counter: TokenCounter | None) -> SummaryMemory:
    """The registered "summary" system: the local reader (or `SSMEM_SUMMARY_BACKEND`, any
    `load_backend` name) writes the summaries; `SSMEM_LLM_THREADS` sets local threads.

    The model comes from the process's shared pool (`ssmem.llm.pool`): every summary (and the
    service's reader, with the same model and settings) shares one loaded model, and a full
    pool raises `PoolFull` instead of loading another.
    """
    from ssmem.llm.pool import load_shared

    name = os.environ.get("SSMEM_SUMMARY_BACKEND", "local")
    local = name not in ("openai", "fake")
    options = {"threads": int(os.environ.get("SSMEM_LLM_THREADS", 1))} if local else {}
    return SummaryMemory(load_shared(name, **options), counter)
