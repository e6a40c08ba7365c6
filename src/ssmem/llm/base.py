"""The contract every reader backend implements: messages in, text and token usage out.

One method (`complete`) and one attribute (`counter`, the reader's own tokenizer, so budgets
are counted in the reader's tokens). Errors a user can fix (endpoint down, model missing,
prompt too long for the model) raise `BackendError`: one line, exit 2 in the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ssmem.errors import InputError
from ssmem.tokens import TokenCounter

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": str}


@dataclass(frozen=True)
class Completion:
    """One reader call: the generated text, token usage as the backend counted it, wall time."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float


@runtime_checkable
class LLMBackend(Protocol):
    """A chat model. `complete` is deterministic at temperature 0 for the local backends."""

    name: str
    counter: TokenCounter

    def complete(
        self, messages: list[Message], *, max_tokens: int = 128, temperature: float = 0.0
    ) -> Completion: ...


class BackendError(InputError):
    """A backend that cannot answer for a reason the user can fix (config, endpoint, model)."""


def check_messages(messages: list[Message]) -> None:
    """Reject malformed chat messages before they reach a backend."""
    if not messages:
        raise BackendError("messages: empty list (need at least one user message)")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            raise BackendError(f"messages[{i}]: expected {{'role', 'content'}}, got {m!r:.80}")
        if m["role"] not in ("system", "user", "assistant"):
            raise BackendError(f"messages[{i}]: unknown role {m['role']!r}")
        if not isinstance(m["content"], str):
            raise BackendError(f"messages[{i}]: content must be a string")
