"""A LlamaIndex memory block over named ssmem sessions (`pip install 'ssmem[llamaindex]'`).

`SsmemMemoryBlock(memory=...)` is a `BaseMemoryBlock[str]` for `llama_index.core.memory.Memory`:
the `Memory` keeps the latest messages verbatim in its own FIFO queue and, when the queue
passes `token_limit * chat_history_token_ratio`, flushes the oldest ones to its blocks.

- `aput` (flushed messages) commits each message with text as one event, in one batch per
  session: `text` is the message's text, `source` its `additional_kwargs["name"]` or else its
  role ("user", "assistant", "system", "tool", ...), `meta` `{"role": role}`. Durable once
  it returns. Messages without text (a bare tool call) are skipped.
- `aget` returns ssmem's context, within `budget` tokens (ssmem's counter), for the latest
  user message of the messages `Memory` passes (its queue, plus the `input` of `get`), headed
  `MEMORY_HEADING` so a model reads it as quoted data: one line per event or memory slot,
  `[#seq] source: text (notes)`. "" when the session holds nothing to show. `Memory`
  puts it in the system message (`insert_method`), inside `<ssmem>` tags (the block's name).
- The session is `session` when set, else the `Memory`'s own `session_id` (which `Memory`
  hands the block on every call), so one block can serve many `Memory` sessions.
- `priority` is 1 (truncatable): when the block and the queue overflow `token_limit`,
  `atruncate` asks ssmem again for the same query with a budget smaller by the excess
  (None, dropping the block, when nothing is left).
- ssmem calls are blocking; the async methods run them in a worker thread.

`memory` is any `SessionMemory` (`LocalSessions`, `RemoteSessions`, `open_sessions(...)`).
ssmem keeps everything flushed to it (its log is append-only): `Memory.reset()` clears the
queue only.

    from llama_index.core.memory import Memory
    from ssmem.integrations.llamaindex import SsmemMemoryBlock
    from ssmem.integrations.sessions import LocalSessions
    memory = Memory.from_defaults(session_id="trip", token_limit=2000, tokenizer_fn=str.split,
        memory_blocks=[SsmemMemoryBlock(memory=LocalSessions("./ssmem-data"))])
"""

from __future__ import annotations

import asyncio
from typing import Any

try:
    from llama_index.core.base.llms.types import ChatMessage
    from llama_index.core.memory import BaseMemoryBlock
    from pydantic import Field, PrivateAttr
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "ssmem.integrations.llamaindex needs LlamaIndex: pip install 'ssmem[llamaindex]'"
    ) from err

from ssmem.integrations.notes import MEMORY_HEADING, context_lines, render_notes
from ssmem.integrations.sessions import SessionMemory

__all__ = ["MEMORY_HEADING", "SsmemMemoryBlock", "event_of"]


def role_of(message: ChatMessage) -> str:
    role = message.role
    return str(getattr(role, "value", role))


def event_of(message: ChatMessage) -> dict[str, Any] | None:
    """The event a message is stored as (None for a message with no text)."""
    text = message.content or ""
    if not text.strip():
        return None
    role = role_of(message)
    name = message.additional_kwargs.get("name")
    meta: dict[str, Any] = {"role": role}
    if name:
        meta["name"] = str(name)
    return {"text": text, "source": str(name) if name else role, "meta": meta}


class SsmemMemoryBlock(BaseMemoryBlock[str]):
    """ssmem's memory as a LlamaIndex memory block (the contract is the module docstring).

    memory: a `SessionMemory`. session: the ssmem session name (None: the `Memory`'s
    `session_id`). budget: tokens of context (None: the session's default budget).
    """

    name: str = Field(default="ssmem", description="The name of the memory block.")
    description: str | None = Field(
        default="Events and facts from the whole conversation, with their [#seq] provenance."
    )
    priority: int = Field(default=1, description="1: may be truncated (0: never).")
    memory: Any = Field(exclude=True, description="The ssmem SessionMemory.")
    session: str | None = Field(default=None, description="The ssmem session name.")
    budget: int | None = Field(default=512, description="Tokens of context (ssmem's counter).")
    _last: tuple[str, str, int] | None = PrivateAttr(default=None)

    def _session(self, session_id: Any) -> str:
        session = self.session or session_id
        if not session:
            raise ValueError(
                "SsmemMemoryBlock needs a session: set `session`, or use it inside a Memory "
                "(whose session_id names it)"
            )
        return str(session)

    async def _read(self, session: str, query: str, budget: int | None) -> str:
        mem: SessionMemory = self.memory
        ctx = await asyncio.to_thread(mem.context, session, query, budget)
        self._last = (session, query, int(ctx.get("tokens", 0)))
        return render_notes(context_lines(ctx))

    async def _aget(self, messages: list[ChatMessage] | None = None, **block_kwargs: Any) -> str:
        session = self._session(block_kwargs.get("session_id"))
        query = next(
            (m.content or "" for m in reversed(messages or []) if role_of(m) == "user"), ""
        )
        return await self._read(session, query, self.budget)

    async def _aput(self, messages: list[ChatMessage]) -> None:
        batches: dict[str, list[dict[str, Any]]] = {}
        for message in messages:
            event = event_of(message)
            if event is not None:
                session = self._session(message.additional_kwargs.get("session_id"))
                batches.setdefault(session, []).append(event)
        mem: SessionMemory = self.memory
        for session, events in batches.items():
            await asyncio.to_thread(mem.append, session, events)

    async def atruncate(self, content: str, tokens_to_truncate: int) -> str | None:
        if self._last is None or tokens_to_truncate <= 0:
            return content
        session, query, tokens = self._last
        budget = tokens - tokens_to_truncate
        if budget <= 0:
            return None
        return await self._read(session, query, budget) or None
