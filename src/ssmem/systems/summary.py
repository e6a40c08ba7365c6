"""Summarization memory (baseline): an LLM rewrites a summary every K events; the prompt gets
that summary plus the recent raw window.

Two modes: `rolling` (one summary, rewritten from itself + the K new events: one LLM call per
write) and `hierarchical` (each K-event chunk summarised on its own; `fanout` summaries of a
level are merged into one of the next level, an extra call). Writes are greedy (temperature
0) with the backend's fixed seed, so a stream always gives the same memory. Every summary
line carries `[#seq]` provenance: the note (or earlier summary line) it shares the most words
with, else the range of events the summary covers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ssmem.events import Event
from ssmem.llm.base import LLMBackend
from ssmem.retrieval_policy import content_words
from ssmem.systems.base import Context, Segment, Stats, check_budget, make_context
from ssmem.systems.window import WindowMemory
from ssmem.tokens import TokenCounter

_TAG = re.compile(r"\[#\s*(\d+)")
_LINE_TAG = re.compile(r"^\[(#\d+(?:-#\d+)?)\]")

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
Source = tuple[tuple[int, ...], str]  # the seqs a text came from, and the text

ASK = (
    "Summarize the facts that are true at the end of these notes as at most 10 short bullet "
    "points (owners, values, deadlines, decisions, rules that must hold, open items, errors). "
    "If a value changed, give only the newest. Ignore small talk."
)


def _attribute(line: str, sources: list[Source]) -> str:
    """Tag `line` with the source sharing the most content words with it (at least 2; the
    latest on ties, as summaries state newest values); untagged lines get their summary's
    range when rendered."""
    words = content_words(line)
    best: tuple[int, int] = (1, -1)  # (overlap, latest seq)
    tag: tuple[int, ...] = ()
    for seqs, text in sources:
        key = (len(words & content_words(text)), max(seqs, default=-1))
        if key > best:
            best, tag = key, seqs
    return f"{_tag(tag)} {line}" if tag else line


def _tag(seqs: tuple[int, ...]) -> str:
    return f"[#{seqs[0]}]" if len(seqs) == 1 else f"[#{seqs[0]}-#{seqs[-1]}]"


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
        tag = _tag(self.seqs)
        lines = [ln.strip() for ln in self.text.split("\n") if ln.strip()]
        return "\n".join(ln if _TAG.search(ln) else f"{tag} {ln}" for ln in lines)

    def sources(self) -> list[Source]:
        """Each line with the seqs it is tagged with (its range when untagged), tag removed."""
        out: list[Source] = []
        for line in self.render().split("\n"):
            m = _LINE_TAG.match(line)
            if m:
                nums = tuple(int(n) for n in re.findall(r"\d+", m.group(1)))
                out.append((nums, line[m.end() :].strip()))
        return out

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
        notes = [((e.seq,), f"{e.source}: {e.text}" if e.source else e.text) for e in chunk]
        levels = self._s.levels or [[]]
        self._s.levels = levels
        if self.config.mode == "rolling":
            old = levels[0][0] if levels[0] else None
            text = self._write(old.sources() if old else [], notes)
            levels[0] = [Summary(text, (*(old.seqs if old else ()), *seqs))]
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

    def _write(self, prior: list[Source], notes: list[Source]) -> str:
        """One LLM call; returns the summary with each line tagged by its likeliest source.

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
        return "\n".join(_attribute(line, [*prior, *notes]) for line in lines)

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
