"""The orchestrator: one prompt under one budget from memory, retrieved snippets and the recent
window, an answer from the reader, and the citations it gives.

The budget counts the whole prompt in the reader's own tokens (instructions, labelled
sections, question) plus a reserve for the chat template, so the reader's reported
`prompt_tokens` never exceeds it. Shares of the budget per section are configurable and
adaptive: a section that has less to say hands its unused share to the others. Cutting a
section keeps the newest lines of the window and the first lines of memory and retrieved
snippets (systems list those most important first). Every line
carries `[#seq]` so the answer can cite; citations are parsed back and checked against the
seqs actually shown. With nothing to show, it abstains without calling the reader.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from ssmem.errors import InputError
from ssmem.llm.base import LLMBackend
from ssmem.llm.reader import ABSTAIN, MAX_ANSWER_TOKENS, build_messages, is_abstention
from ssmem.retrieval_policy import PolicyConfig, decide
from ssmem.systems.base import MemorySystem, Segment
from ssmem.tokens import TokenCounter

ORDER = ("memory", "retrieved", "window")  # the window last: nearest the question
TITLES = {"memory": "Memory:", "retrieved": "Retrieved:", "window": "Recent events:"}
_TAG = re.compile(r"\[#\s*\d+")
_CITE = re.compile(r"\[([^\[\]]*#\s*\d+[^\[\]]*)\]")
_EMPTY_PARENS = re.compile(r"\s*\(\s*[,;]?\s*\)")


def strip_citations(text: str) -> str:
    """The answer without its `[#seq]` tags (and the brackets they leave empty)."""
    text = _EMPTY_PARENS.sub("", _CITE.sub("", text))
    return re.sub(r"[ \t]{2,}", " ", text).strip(" .;,\n")


_NUM = re.compile(r"#\s*(\d+)")


class Retriever(Protocol):
    """Snippets from the raw log for a query, packed under a budget (e.g. a RAG system)."""

    def retrieve(self, query: str, budget: int) -> list[Segment]: ...


class SystemRetriever:
    """Any `MemorySystem` used as a retriever: its context segments become snippets."""

    def __init__(self, system: MemorySystem) -> None:
        self.system = system

    def retrieve(self, query: str, budget: int) -> list[Segment]:
        return list(self.system.context(query, budget).segments)


@dataclass
class OrchestratorConfig:
    # Share weights of the budget per section; kinds with nothing to say get none.
    shares: dict[str, float] = field(
        default_factory=lambda: {"memory": 0.5, "retrieved": 0.25, "window": 0.25}
    )
    template_reserve: int = 24  # chat-template tokens (role markers) the reader adds
    overfetch: float = 2.0  # with several kinds, ask the system for this x budget, then cut
    max_answer_tokens: int = MAX_ANSWER_TOKENS
    policy: PolicyConfig = field(default_factory=PolicyConfig)


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    seqs: tuple[int, ...]
    text: str
    tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "seqs": list(self.seqs), "tokens": self.tokens}


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: list[int]
    prompt: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    retrieval_fired: str | None
    sections: list[Section]
    raw: str = ""
    retrieval_detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "citations": self.citations,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_s": round(self.latency_s, 4),
            "retrieval_fired": self.retrieval_fired,
            "retrieval_detail": self.retrieval_detail,
            "sections": [s.to_dict() for s in self.sections],
            "raw": self.raw,
        }


def allocate(demands: dict[str, int], shares: dict[str, float], total: int) -> dict[str, int]:
    """Water-filling: split `total` by share weights; what a kind does not need flows on."""
    alloc = dict.fromkeys(demands, 0)
    active = {k for k, d in demands.items() if d > 0 and shares.get(k, 0) > 0}
    remaining = max(0, total)
    while active and remaining > 0:
        weight = sum(shares[k] for k in active)
        give = {k: int(remaining * shares[k] / weight) for k in active}
        done = {k for k in active if demands[k] - alloc[k] <= give[k]}
        if not done:
            for k in active:
                alloc[k] += give[k]
            break
        for k in done:
            remaining -= demands[k] - alloc[k]
            alloc[k] = demands[k]
        active -= done
    return alloc


def _tag(seqs: tuple[int, ...]) -> str:
    if not seqs:
        return ""
    return f"[#{seqs[0]}]" if len(seqs) == 1 else f"[#{seqs[0]}-#{seqs[-1]}]"


def _lines(segments: list[Segment]) -> list[tuple[str, tuple[int, ...]]]:
    """Each non-empty line with its seqs; a line without a `[#seq]` tag gets its segment's."""
    out = []
    for seg in segments:
        for line in seg.text.split("\n"):
            if not line.strip():
                continue
            nums = tuple(int(n) for n in _NUM.findall(line)) if _TAG.search(line) else ()
            if not nums:
                line = f"{_tag(seg.seqs)} {line}".strip()
                nums = seg.seqs
            out.append((line, tuple(q for q in nums if q in seg.seqs) or seg.seqs))
    return out


def _fit(
    lines: list[tuple[str, tuple[int, ...]]], room: int, counter: TokenCounter, newest: bool
) -> tuple[str, tuple[int, ...]]:
    """Whole lines that fit `room` tokens: the newest (window) or the first (others)."""
    order = list(reversed(lines)) if newest else lines
    picked: list[tuple[str, tuple[int, ...]]] = []
    used = 0
    for line, seqs in order:
        n = counter.count(line) + (1 if picked else 0)
        if used + n <= room:
            picked.append((line, seqs))
            used += n
            continue
        tag = line.split("]", 1)[0] + "] " if line.startswith("[#") else ""
        body = line[len(tag) :]
        left = room - used - (1 if picked else 0) - counter.count(tag + "…")
        if left > 0:  # the boundary line, cut but still tagged
            cut = counter.truncate(body, left, keep="tail" if newest else "head")
            if cut:
                picked.append((f"{tag}…{cut}" if newest else f"{tag}{cut}…", seqs))
        break
    if newest:
        picked.reverse()
    seqs = tuple(sorted({q for _, s in picked for q in s}))
    return "\n".join(line for line, _ in picked), seqs


def parse_citations(text: str, shown: set[int]) -> list[int]:
    """`[#12]`, `[#3, #5]`, `[#12-#40]` → seqs, in order, kept only if shown in the prompt."""
    cited: list[int] = []
    for group in _CITE.findall(text):
        for num in _NUM.findall(group):
            q = int(num)
            if q in shown and q not in cited:
                cited.append(q)
    return cited


def _user_text(sections: list[Section]) -> str:
    return "\n".join(f"{s.title}\n{s.text}" for s in sections if s.text)


def build_prompt(
    system: MemorySystem,
    query: str,
    budget: int,
    counter: TokenCounter,
    *,
    retriever: Retriever | None = None,
    config: OrchestratorConfig | None = None,
) -> tuple[list[Section], str | None, str]:
    """The sections of the prompt and the retrieval rule that fired (with its detail)."""
    cfg = config or OrchestratorConfig()

    def total(sections: list[Section]) -> int:
        msgs = build_messages(_user_text(sections), query, cite=True)
        return sum(counter.count(m["content"]) for m in msgs) + cfg.template_reserve

    fixed = total([])
    if fixed > budget:
        raise InputError(
            f"budget {budget} is too small for the instructions and question "
            f"(they take {fixed} tokens)"
        )
    titles = sum(counter.count(t) + 1 for t in TITLES.values())
    avail = max(0, budget - fixed - titles)
    # Ask for more than fits to learn what each kind has to say; when several kinds compete
    # (the system split the budget its own way) each is cut to its share below. A one-kind
    # context is rebuilt at the real size, so the system's own packing choice stands.
    ctx = system.context(query, int(avail * max(1.0, cfg.overfetch)))
    if len({s.kind for s in ctx.segments}) < 2:
        ctx = system.context(query, avail)
    decision = decide(query, ctx, cfg.policy)
    by_kind: dict[str, list[Segment]] = {k: [] for k in ORDER}
    for seg in ctx.segments:
        by_kind.setdefault(seg.kind, []).append(seg)
    if decision.fire and retriever is not None:
        have = ctx.seqs()
        by_kind["retrieved"] += [
            s for s in retriever.retrieve(query, avail) if not set(s.seqs) <= have
        ]
    lines = {k: _lines(v) for k, v in by_kind.items()}
    demands = {k: sum(counter.count(t) + 1 for t, _ in v) for k, v in lines.items()}
    alloc = allocate(demands, cfg.shares, avail)
    while True:
        sections = []
        for kind in ORDER:
            text, seqs = _fit(lines.get(kind, []), alloc.get(kind, 0), counter, kind == "window")
            sections.append(Section(kind, TITLES[kind], seqs, text, counter.count(text)))
        over = total(sections) - budget
        if over <= 0:
            return [s for s in sections if s.text], decision.rule, decision.detail
        big = max(alloc, key=lambda k: alloc[k])  # non-additive tokenization: shave and retry
        alloc[big] = max(0, alloc[big] - over)


def answer(
    system: MemorySystem,
    query: str,
    budget: int,
    backend: LLMBackend,
    *,
    retriever: Retriever | None = None,
    config: OrchestratorConfig | None = None,
) -> Answer:
    """Build the prompt, ask the reader, parse citations; abstain when nothing is shown."""
    cfg = config or OrchestratorConfig()
    start = time.perf_counter()
    sections, rule, detail = build_prompt(
        system, query, budget, backend.counter, retriever=retriever, config=cfg
    )
    context = _user_text(sections)
    messages = build_messages(context, query, cite=True)
    prompt = f"{messages[0]['content']}\n\n{messages[1]['content']}"
    if not sections:
        return Answer(ABSTAIN, [], prompt, 0, 0, time.perf_counter() - start, rule, [], "", detail)
    done = backend.complete(messages, max_tokens=cfg.max_answer_tokens, temperature=0.0)
    shown = {q for s in sections for q in s.seqs}
    if is_abstention(done.text):
        text, cites = ABSTAIN, []
    else:
        cites = parse_citations(done.text, shown)
        text = strip_citations(done.text)
        if not text and cites:  # the reader answered with a note number only: quote the note
            text = _note_text(sections, cites[0])
    return Answer(
        answer=text,
        citations=cites,
        prompt=prompt,
        prompt_tokens=done.prompt_tokens,
        completion_tokens=done.completion_tokens,
        latency_s=time.perf_counter() - start,
        retrieval_fired=rule,
        sections=sections,
        raw=done.text,
        retrieval_detail=detail,
    )


def _note_text(sections: list[Section], seq: int) -> str:
    for s in sections:
        for line in s.text.split("\n"):
            if line.startswith(f"[#{seq}]"):
                return line[len(f"[#{seq}]") :].strip()
    return ""
