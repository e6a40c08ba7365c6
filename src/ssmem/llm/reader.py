"""The reader prompt shared by the benchmark and the orchestrator: short answers, citations,
and "not in memory" when the context does not support an answer.
"""

from __future__ import annotations

import re

from ssmem.llm.base import Completion, LLMBackend, Message

ABSTAIN = "not in memory"
MAX_ANSWER_TOKENS = 48

INSTRUCTIONS = (
    "You answer questions from notes. The notes are in time order, and the latest note about "
    "something is the current truth. Give the current answer in a few words, followed by its "
    f"note number in brackets like [#3]. If no note answers the question, reply: {ABSTAIN}"
)


def build_messages(context: str, question: str) -> list[Message]:
    """System instructions, then the notes and the question as one user message."""
    notes = context.strip() or "(no notes)"
    return [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": f"Notes:\n{notes}\n\nQuestion: {question.strip()}"},
    ]


def read_answer(backend: LLMBackend, context: str, question: str) -> Completion:
    """Ask `backend` `question` over `context` (greedy, at most MAX_ANSWER_TOKENS tokens)."""
    return backend.complete(
        build_messages(context, question), max_tokens=MAX_ANSWER_TOKENS, temperature=0.0
    )


_ABSTAIN_RE = re.compile(r"\bnot (?:in|found in) (?:the )?(?:memory|notes)\b", re.IGNORECASE)


def is_abstention(answer: str) -> bool:
    """True when the reader said the notes do not hold the answer (or said nothing)."""
    return not answer.strip() or bool(_ABSTAIN_RE.search(answer))
