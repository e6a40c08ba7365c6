"""LangChain adapters over named ssmem sessions (`pip install 'ssmem[langchain]'`).

`SsmemChatMessageHistory(memory, session)` is a `BaseChatMessageHistory` for
`RunnableWithMessageHistory` (or any code that reads `.messages` and calls `.add_messages`):

- `add_messages(msgs)` commits each message as one event, in one batch: `text` is the
  message's text (`BaseMessage.text`; a message with no text, e.g. a bare tool call, is
  skipped), `source` is the message's `name` or else its role ("user", "assistant",
  "system", "tool", or a `ChatMessage`'s own role), `meta` is `{"role": role}` (plus
  `name` / `tool_call_id` when set). Durable once it returns.
- `messages` is what the model should see, NOT the whole history: one `SystemMessage`
  (id `MEMORY_ID`) holding ssmem's context for the latest user message in the log, within
  `budget` tokens (ssmem's counter) and headed `MEMORY_HEADING` so a model reads it as
  quoted data, then the last `recent` messages of the log verbatim (ids `ssmem-<seq>`).
  Context lines that only repeat one of those verbatim messages (no note of a replaced
  value, subject or supersession) are left out. With an
  empty session it is `[]`. Both parts are read from the session's log each time, so a
  history object made per call (the usual `get_session_history` factory) or in another
  process sees every turn committed before; the memory part is cached while the log's
  head does not move (`RunnableWithMessageHistory` reads `messages` twice per call).
- `RunnableWithMessageHistory` reads `messages` *before* it adds the new input, so there
  the memory part answers the previous user message. Put `memory_for_input()` in front
  of the model (`memory_for_input() | llm`, or after a prompt) to rebuild it for the
  message actually being answered.
- `clear()` raises `NotImplementedError`: a session's log is append-only and
  hash-chained (it is an audit trail), so nothing is deleted; start a new session name
  to start over.

`SsmemRetriever(memory=..., session=...)` is a `BaseRetriever`: one `Document` per context
line for the query, `page_content` the rendered line (`[#seq] source: text` and its notes),
metadata the line's fields (`seq`, `seqs`, `kind`, `source`, ...).

`memory` is any `SessionMemory` (`LocalSessions`, `RemoteSessions`, `open_sessions(...)`);
the verbatim tail is its `tail(session, n)`.

    from langchain_core.runnables.history import RunnableWithMessageHistory
    from ssmem.integrations.langchain import SsmemChatMessageHistory, memory_for_input
    from ssmem.integrations.sessions import LocalSessions
    sessions = LocalSessions("./ssmem-data")
    chain = RunnableWithMessageHistory(
        memory_for_input() | llm, lambda sid: SsmemChatMessageHistory(sessions, sid))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.chat_history import BaseChatMessageHistory
    from langchain_core.documents import Document
    from langchain_core.messages import (
        AIMessage,
        BaseMessage,
        ChatMessage,
        HumanMessage,
        SystemMessage,
        ToolMessage,
    )
    from langchain_core.prompt_values import PromptValue
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
    from pydantic import ConfigDict
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "ssmem.integrations.langchain needs LangChain: pip install 'ssmem[langchain]'"
    ) from err

from ssmem.context import Line, render_line
from ssmem.events import Event
from ssmem.integrations.notes import MEMORY_HEADING, context_lines, render_notes
from ssmem.integrations.sessions import SessionMemory

MEMORY_ID = "ssmem-memory"  # the id of the memory SystemMessage `messages` returns
QUERY_LOOKBACK = 16  # how many of the latest events are searched for the latest user message
_SEQ_ID = re.compile(r"ssmem-(\d+)")

__all__ = [
    "MEMORY_HEADING",
    "MEMORY_ID",
    "SsmemChatMessageHistory",
    "SsmemRetriever",
    "event_of",
    "memory_for_input",
    "message_of",
    "render_context",
]


# -- messages <-> events ---------------------------------------------------------------------


def role_of(message: BaseMessage) -> str:
    """The chat role of a message: user, assistant, system, tool, or a ChatMessage's own."""
    if isinstance(message, ChatMessage):
        return message.role
    return {"human": "user", "ai": "assistant"}.get(message.type, message.type)


def event_of(message: BaseMessage) -> dict[str, Any] | None:
    """The event a message is stored as (None for a message with no text)."""
    text = message.text
    if not text.strip():
        return None
    role = role_of(message)
    meta: dict[str, Any] = {"role": role}
    if message.name:
        meta["name"] = message.name
    if isinstance(message, ToolMessage):
        meta["tool_call_id"] = message.tool_call_id
    return {"text": text, "source": message.name or role, "meta": meta}


def message_of(event: Event) -> BaseMessage:
    """A stored event as a LangChain message (its role from `meta`, else from `source`)."""
    meta = event.meta or {}
    role = str(meta.get("role") or event.source or "user")
    name = meta.get("name")
    kw: dict[str, Any] = {"content": event.text, "id": f"ssmem-{event.seq}"}
    if name:
        kw["name"] = str(name)
    if role in ("user", "human"):
        return HumanMessage(**kw)
    if role in ("assistant", "ai"):
        return AIMessage(**kw)
    if role == "system":
        return SystemMessage(**kw)
    if role == "tool" and meta.get("tool_call_id"):
        return ToolMessage(tool_call_id=str(meta["tool_call_id"]), **kw)
    return ChatMessage(role=role, **kw)


# -- context -> text ---------------------------------------------------------------------------


def render_context(context: dict[str, Any], exclude: Iterable[int] = ()) -> str:
    """The memory text a model sees (`notes.render_notes`): "" when no line is left once
    those that only repeat events in `exclude` are dropped."""
    return render_notes(context_lines(context, exclude))


def _seq_of(message: BaseMessage) -> int | None:
    match = _SEQ_ID.fullmatch(message.id or "")
    return int(match.group(1)) if match else None


# -- the chat history --------------------------------------------------------------------------


class SsmemChatMessageHistory(BaseChatMessageHistory):
    """A LangChain chat history whose `messages` are ssmem's memory context plus the last
    `recent` messages verbatim (see the module docstring for the full contract).

    budget: tokens for the memory part (None: the session's default budget).
    recent: how many of the latest messages are shown verbatim after it (0: none).
    """

    def __init__(
        self,
        memory: SessionMemory,
        session: str,
        *,
        budget: int | None = 512,
        recent: int = 6,
    ) -> None:
        if recent < 0:
            raise ValueError(f"recent must be >= 0, got {recent}")
        self.memory = memory
        self.session = session
        self.budget = budget
        self.recent = recent
        self._cache: tuple[tuple[int, str, frozenset[int]], SystemMessage | None] | None = None

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        tail = self.memory.tail(self.session, max(self.recent, QUERY_LOOKBACK))
        events = [Event(**e) for e in tail]
        if not events:
            return []
        shown = events[-self.recent :] if self.recent else []
        query = next((e.text for e in reversed(events) if _is_user(e)), "")
        key = (events[-1].seq, query, frozenset(e.seq for e in shown))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self.memory_message(query, exclude=key[2]))
        memory = self._cache[1]
        return [*([memory] if memory is not None else []), *(message_of(e) for e in shown)]

    def context(self, query: str, budget: int | None = None) -> dict[str, Any]:
        """ssmem's context for an explicit `query` (`text`, `lines`, `tokens`, ...), within
        `budget` tokens (None: this history's budget)."""
        return self.memory.context(self.session, query, self.budget if budget is None else budget)

    def memory_message(
        self, query: str, *, exclude: Iterable[int] = (), budget: int | None = None
    ) -> SystemMessage | None:
        """The memory `SystemMessage` for `query` (None when memory has nothing to show);
        lines that only repeat events in `exclude` are left out."""
        text = render_context(self.context(query, budget), exclude)
        return SystemMessage(content=text, id=MEMORY_ID) if text else None

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        events = [e for e in (event_of(m) for m in messages) if e is not None]
        if events:
            self.memory.append(self.session, events)
        self._cache = None

    def clear(self) -> None:
        raise NotImplementedError(
            "an ssmem session's log is append-only (hash-chained); start a new session name "
            "to start over"
        )


def _is_user(event: Event) -> bool:
    role = (event.meta or {}).get("role") or event.source
    return role in ("user", "human")


def memory_for_input() -> Runnable[Any, list[BaseMessage]]:
    """A runnable to put in front of the model inside `RunnableWithMessageHistory` whose
    history is an `SsmemChatMessageHistory`: it takes the messages (a list, or a prompt's
    `PromptValue`) and replaces the memory `SystemMessage` with the context for the last
    human message of that input, the one being answered. Raises `ValueError` when the run's
    history is not an `SsmemChatMessageHistory`."""

    def refresh(value: Any, config: RunnableConfig) -> list[BaseMessage]:
        history = (config.get("configurable") or {}).get("message_history")
        if not isinstance(history, SsmemChatMessageHistory):
            raise ValueError(
                "memory_for_input() runs inside RunnableWithMessageHistory whose "
                "get_session_history returns an SsmemChatMessageHistory"
            )
        msgs = value.to_messages() if isinstance(value, PromptValue) else list(value)
        query = next((m.text for m in reversed(msgs) if isinstance(m, HumanMessage)), "")
        rest = [m for m in msgs if m.id != MEMORY_ID]
        shown = {s for s in (_seq_of(m) for m in rest) if s is not None}
        memory = history.memory_message(query, exclude=shown)
        return [memory, *rest] if memory is not None else rest

    return RunnableLambda(refresh, name="ssmem_memory_for_input")


# -- the retriever -----------------------------------------------------------------------------


class SsmemRetriever(BaseRetriever):
    """One `Document` per line of ssmem's context for the query (see the module docstring).

    memory: a `SessionMemory`; session: its name; budget: tokens (None: the session's)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: Any
    session: str
    budget: int | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        context = self.memory.context(self.session, query, self.budget)
        docs = []
        for data in context.get("lines", []):
            line = Line.from_dict(data)
            meta = {k: v for k, v in data.items() if k != "text"}
            meta["seq"] = line.seq
            docs.append(Document(page_content=render_line(line), metadata=meta))
        return docs
