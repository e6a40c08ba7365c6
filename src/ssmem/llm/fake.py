"""A deterministic fake reader, for unit tests of prompt assembly only (never for results).

It answers with a fixed string or a function of the messages, counts tokens with the given
counter (default: the project's WordPiece counter) and records every call it received.
"""

from __future__ import annotations

from collections.abc import Callable

from ssmem.llm.base import Completion, Message, check_messages
from ssmem.tokens import TokenCounter, default_counter


class FakeBackend:
    name = "fake"

    def __init__(
        self,
        reply: str | Callable[[list[Message]], str] = "not in memory",
        counter: TokenCounter | None = None,
    ) -> None:
        self._reply = reply
        self.counter = counter or default_counter()
        self.calls: list[list[Message]] = []

    def complete(
        self, messages: list[Message], *, max_tokens: int = 128, temperature: float = 0.0
    ) -> Completion:
        check_messages(messages)
        self.calls.append([dict(m) for m in messages])
        text = self._reply(messages) if callable(self._reply) else self._reply
        text = self.counter.truncate(text, max_tokens)
        prompt = sum(self.counter.count(m["content"]) for m in messages)
        return Completion(text, prompt, self.counter.count(text), 0.0)
