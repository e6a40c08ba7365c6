"""A chat request as the proxy sees it: which messages are new, what the upstream gets.

OpenAI-style clients resend the whole conversation (or their own truncation of it) on every
request. The proxy keeps, per conversation, a digest of every message it has stored, and a
request's new messages are those after the longest overlap between the stored tail and the
request's head (`overlap`), so a message is stored once however often it is resent, and a
client that sends only its last few turns still lines up. Digests ignore whitespace runs at
either end and inside (a streamed reply reassembled by a client may differ in spacing).

The upstream gets the client's system messages verbatim, one system message holding the
memory context (`notes.render_notes`: quoted events tagged `[#seq]`, framed as data), and
the last `recent` conversation messages verbatim — never the whole history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
SYSTEM_ROLES = ("system", "developer")


class RequestError(ValueError):
    """A malformed chat request; `param` is the offending field (e.g. `messages[2].role`)."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(f"{param}: {message}")
        self.message = message
        self.param = param


def text_of(message: dict[str, Any]) -> str:
    """The text a message carries: its content (text parts of a list joined by newlines),
    else its tool calls written out, else ""."""
    content = message.get("content")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        text = "\n".join(p for p in parts if isinstance(p, str) and p)
    else:
        text = ""
    if not text.strip() and message.get("tool_calls"):
        calls = message["tool_calls"]
        text = "tool calls: " + json.dumps(calls, ensure_ascii=False, sort_keys=True)
    return text


def digest(role: str, text: str) -> str:
    norm = " ".join(text.split())  # whitespace runs ignored (str.split: Unicode whitespace)
    return hashlib.sha256(f"{role}\x00{norm}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Turn:
    """One conversation message worth storing (it carries text)."""

    pos: int  # position in the conversation (the request's messages less system ones)
    role: str
    source: str  # who said it: the message's `name`, else its role
    text: str
    digest: str

    def event(self) -> dict[str, Any]:
        """The event the turn is stored as (the digest lets a restarted proxy line up)."""
        return {
            "text": self.text,
            "source": self.source,
            "kind": "turn",
            "meta": {"role": self.role, "proxy_digest": self.digest},
        }


@dataclass(frozen=True)
class ChatRequest:
    """A validated request: its system messages and its conversation (everything else)."""

    system: list[dict[str, Any]]
    conversation: list[dict[str, Any]]  # verbatim, in order
    turns: list[Turn]  # the conversation messages that carry text
    query: str  # the last user message's text: what memory is read for

    @classmethod
    def parse(cls, messages: Any) -> ChatRequest:
        if not isinstance(messages, list) or not messages:
            raise RequestError("expected a non-empty list of messages", "messages")
        system: list[dict[str, Any]] = []
        conversation: list[dict[str, Any]] = []
        turns: list[Turn] = []
        for i, m in enumerate(messages):
            if not isinstance(m, dict):
                raise RequestError("expected an object", f"messages[{i}]")
            role = m.get("role")
            if role not in ROLES:
                raise RequestError(f"unknown role {role!r:.40}", f"messages[{i}].role")
            content = m.get("content")
            if content is not None and not isinstance(content, str | list):
                raise RequestError("expected a string or a list of parts", f"messages[{i}].content")
            if role in SYSTEM_ROLES:
                system.append(m)
                continue
            conversation.append(m)
            text = text_of(m)
            if text.strip():
                name = m.get("name")
                source = name if isinstance(name, str) and name else role
                turns.append(Turn(len(conversation) - 1, role, source, text, digest(role, text)))
        users = [t for t in turns if t.role == "user"]
        if not users:
            raise RequestError("no user message with text", "messages")
        return cls(system, conversation, turns, users[-1].text)

    def recent_turns(self, n: int) -> int:
        """How many of the turns are in the last `n` messages passed verbatim."""
        start = tail_start(self.conversation, n)
        return sum(1 for t in self.turns if t.pos >= start)


def overlap(stored: list[str], request: list[str]) -> int:
    """The largest k such that the request's first k digests are the stored last k."""
    for k in range(min(len(stored), len(request)), 0, -1):
        if stored[len(stored) - k :] == request[:k]:
            return k
    return 0


def tail_start(conversation: list[dict[str, Any]], n: int) -> int:
    """Where the last `n` conversation messages (at least the last one) start, moved back so
    they do not begin with a tool result cut from the assistant message that called it."""
    start = max(0, len(conversation) - max(1, n))
    while start > 0 and conversation[start].get("role") in ("tool", "function"):
        start -= 1
    return start


def recent_tail(conversation: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The messages passed verbatim (`tail_start`)."""
    return conversation[tail_start(conversation, n) :]


def upstream_messages(request: ChatRequest, notes: str, recent: int) -> list[dict[str, Any]]:
    """What the upstream model receives instead of the whole history: the client's system
    messages, `notes` (the rendered memory, `notes.render_notes`) as one system message
    when there are any, and the recent messages verbatim."""
    memory = [{"role": "system", "content": notes}] if notes else []
    return [*request.system, *memory, *recent_tail(request.conversation, recent)]
