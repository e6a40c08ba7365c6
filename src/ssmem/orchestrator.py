"""The orchestrator: the reader's prompt under one budget, the reader's answer, and the
citations it gives.

It renders what the memory system hands it and adds only the reader's instructions: the
system decides what the context holds, whether retrieval fires and how the budget is
split (recorded in `Context.info`). The notes the reader sees are the context's lines,
each rendered as `Context.render()` renders it, put in time order (by seq) with a line
shown twice (retrieved and in memory) shown once (`in_time_order`): the instructions tell
the reader that a later note is current, and a hybrid context lists memory, then the recent
window, then retrieved older lines, so an old value retrieved last read as the newest to
a small reader. The budget counts the whole prompt in
the reader's own tokens (instructions, notes, question) plus a reserve for the chat
template, so the reader's reported `prompt_tokens` never exceeds it: the context gets what
the instructions and question leave, and a smaller budget if the reader's tokenizer counts
its rendering higher than the system's did. Citations are parsed back and checked against
the seqs actually shown. With nothing to show, it abstains without calling the reader.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from ssmem.context import Context
from ssmem.context.line import Line
from ssmem.context.render import date, render_line, render_lines
from ssmem.errors import InputError
from ssmem.llm.base import LLMBackend, Message
from ssmem.llm.reader import ABSTAIN, MAX_ANSWER_TOKENS, build_messages, is_abstention
from ssmem.systems.base import MemorySystem
from ssmem.tokens import TokenCounter

_CITE = re.compile(r"\[([^\[\]]*#\s*\d+[^\[\]]*)\]")
_EMPTY_PARENS = re.compile(r"\s*\(\s*[,;]?\s*\)")
_NUM = re.compile(r"#\s*(\d+)")


def strip_citations(text: str) -> str:
    """The answer without its `[#seq]` tags (and the brackets they leave empty)."""
    text = _EMPTY_PARENS.sub("", _CITE.sub("", text))
    return re.sub(r"[ \t]{2,}", " ", text).strip(" .;,\n")


@dataclass
class OrchestratorConfig:
    template_reserve: int = 24  # chat-template tokens (role markers) the reader adds
    max_answer_tokens: int = MAX_ANSWER_TOKENS


@dataclass(frozen=True)
class Prompt:
    """The context the system built and the messages that show it to the reader."""

    context: Context
    messages: list[Message]
    tokens: int  # the messages in the reader's tokens, template reserve included

    @property
    def text(self) -> str:
        return f"{self.messages[0]['content']}\n\n{self.messages[1]['content']}"


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: list[int]
    prompt: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    context: Context
    raw: str = ""

    @property
    def retrieval_fired(self) -> str | None:
        """The rule that made the system retrieve from the raw log (None: it did not)."""
        decision = self.context.info.retrieval
        return decision.rule if decision is not None and decision.fire else None

    def to_dict(self) -> dict[str, Any]:
        decision = self.context.info.retrieval
        return {
            "answer": self.answer,
            "citations": self.citations,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_s": round(self.latency_s, 4),
            "retrieval_fired": self.retrieval_fired,
            "retrieval_detail": decision.detail if decision is not None else "",
            "context": self.context.to_dict(),
            "raw": self.raw,
        }


def in_time_order(lines: tuple[Line, ...]) -> list[Line]:
    """`lines` sorted by the newest event each stands for (stable), each event (or range)
    once: where a context shows an event twice (a memory line and a retrieved copy), the
    longer rendering stays (the one with notes, or the one not shortened)."""
    best: dict[tuple[int, ...], Line] = {}
    for line in lines:
        kept = best.get(line.seqs)
        if kept is None or len(render_line(line)) > len(render_line(kept)):
            best[line.seqs] = line
    return sorted(best.values(), key=lambda line: line.seqs[-1] if line.seqs else -1)


def parse_citations(text: str, shown: set[int]) -> list[int]:
    """`[#12]`, `[#3, #5]`, `[#12-#40]` → seqs, in order, kept only if shown in the prompt."""
    cited: list[int] = []
    for group in _CITE.findall(text):
        for num in _NUM.findall(group):
            q = int(num)
            if q in shown and q not in cited:
                cited.append(q)
    return cited


def build_prompt(
    system: MemorySystem,
    query: str,
    budget: int,
    counter: TokenCounter,
    config: OrchestratorConfig | None = None,
    now: float | None = None,
) -> Prompt:
    """The system's context for `query` and the reader's messages, within `budget` reader
    tokens; `now` (epoch seconds) is when the question is asked, shown as today's date."""
    cfg = config or OrchestratorConfig()
    today = date(now) if now is not None else None

    def total(messages: list[Message]) -> int:
        return sum(counter.count(m["content"]) for m in messages) + cfg.template_reserve

    fixed = total(build_messages("", query, cite=True, today=today))
    if fixed > budget:
        raise InputError(
            f"budget {budget} is too small for the instructions and question "
            f"(they take {fixed} tokens)"
        )
    room = budget - fixed
    while True:
        ctx = system.context(query, room)
        notes = render_lines(in_time_order(ctx.lines))
        messages = build_messages(notes, query, cite=True, today=today)
        used = total(messages)
        if used <= budget or room == 0:
            return Prompt(ctx, messages, used)
        room = max(0, room - (used - budget))  # the reader counts the notes higher


def answer(
    system: MemorySystem,
    query: str,
    budget: int,
    backend: LLMBackend,
    *,
    config: OrchestratorConfig | None = None,
    now: float | None = None,
) -> Answer:
    """Build the prompt, ask the reader, parse citations; abstain when nothing is shown.
    `now`: when the question is asked (epoch seconds), for questions relative to today."""
    cfg = config or OrchestratorConfig()
    start = time.perf_counter()
    prompt = build_prompt(system, query, budget, backend.counter, cfg, now)
    ctx = prompt.context
    if not ctx.lines:
        return Answer(ABSTAIN, [], prompt.text, 0, 0, time.perf_counter() - start, ctx)
    done = backend.complete(prompt.messages, max_tokens=cfg.max_answer_tokens, temperature=0.0)
    if is_abstention(done.text):
        text, cites = ABSTAIN, []
    else:
        cites = parse_citations(done.text, ctx.seqs())
        text = strip_citations(done.text)
        if not text and cites:  # the reader answered with a note number only: quote the note
            text = next((x.text for x in ctx.lines if x.seq == cites[0]), "")
    return Answer(
        answer=text,
        citations=cites,
        prompt=prompt.text,
        prompt_tokens=done.prompt_tokens,
        completion_tokens=done.completion_tokens,
        latency_s=time.perf_counter() - start,
        context=ctx,
        raw=done.text,
    )
