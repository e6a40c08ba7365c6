"""The LlamaIndex memory block against the real `llama_index.core`: a 40-turn on-call chat
runs through `SimpleChatEngine` over `Memory(memory_blocks=[SsmemMemoryBlock])` with a
recording fake LLM, and the prompt the LLM received is checked — the turn-1 rule and the
latest value of a twice-updated fact are there with their `[#seq]`, the prompt is a
fraction of the history, the chatter in between is mostly not — and what `Memory` flushed
is in the session's durable log (a reopened data dir sees it). Nothing touches the network
(the tokenizer is `str.split`, not tiktoken)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms import (
    CompletionResponse,
    CompletionResponseGen,
    CustomLLM,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.memory import Memory
from llama_index.core.storage.chat_store.base_db import MessageStatus
from pydantic import Field

from ssmem.integrations.llamaindex import MEMORY_HEADING, SsmemMemoryBlock, event_of
from ssmem.integrations.sessions import LocalSessions

# An engineer on call chatting with an assistant: the rule at turn 1 (seq 0), the pool size
# set at turn 2 and changed twice (turns 14 and 30), chatter in between. Every message the
# Memory flushes becomes one event, in order, so user turn i (from 0) is seq 2 * i.
USER_TURNS = [
    "Rule for this shift: never restart the primary database during business hours.",
    "I'm on call for the payments team this week, starting today.",
    "The checkout service pool size is 40 connections.",
    "First alert of the day: disk usage on the log server is at 81 percent.",
    "I rotated the old logs and disk usage is back to 52 percent.",
    "Who do I page if the card processor goes down?",
    "The escalation contact for the card processor is Ravi.",
    "Grafana is slow to load this morning, probably the VPN.",
    "The VPN reconnected and Grafana is fine now.",
    "Standup moved to 10:30 because of the release.",
    "The release train for the web app leaves at 2pm.",
    "A flaky test in the cart service failed twice on CI.",
    "I re-ran the cart tests and they passed.",
    "Coffee machine on the third floor is broken again.",
    "Update: the checkout service pool size is now 64 connections after the fix.",
    "Latency on the checkout API is back under 200 milliseconds.",
    "Someone asked whether we can archive the old invoices bucket.",
    "The invoices bucket archive needs approval from finance.",
    "Lunch order is going in at noon, I picked the Thai place.",
    "The fraud model retrain job finished overnight.",
    "Can you remind me how to silence a noisy alert for an hour?",
    "I silenced the queue depth alert until 3pm.",
    "The staging cluster is being upgraded this afternoon.",
    "Maya from security wants the access review by Friday.",
    "I started the access review spreadsheet.",
    "The webhook retries for the refunds service look high.",
    "The refunds webhook retries were caused by a partner outage.",
    "The partner says their outage is resolved.",
    "Note to self: update the runbook for webhook retries.",
    "I updated the runbook section on webhook retries.",
    "Update: the checkout service pool size is now 80 connections for the sale.",
    "The sale starts at 6pm and marketing expects double traffic.",
    "I added a dashboard panel for sale traffic.",
    "Database CPU is at 70 percent, a bit high but stable.",
    "Someone suggested restarting the primary database to clear connections.",
    "The replica lag is under one second.",
    "Ravi says the card processor is healthy.",
    "It's 3pm and things look calm.",
    "I'll hand over to Tom at 6pm.",
    "Before I act: what is the checkout service pool size now, and what must I never do?",
]
FACT_TURN = 30  # "... pool size is now 80 ..."; earlier values at turns 2 and 14
REPLIES = [
    f"Noted as item {i + 1} in the shift log. Anything else?" for i in range(len(USER_TURNS))
]


class RecordingLLM(CustomLLM):
    """A completion LLM that answers from a script and keeps every prompt it received."""

    replies: list[str] = Field(default_factory=list)
    prompts: list[str] = Field(default_factory=list)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=4096, num_output=64, is_chat_model=False)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kw: Any) -> CompletionResponse:
        self.prompts.append(prompt)
        return CompletionResponse(text=self.replies[len(self.prompts) - 1])

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kw: Any
    ) -> CompletionResponseGen:
        yield self.complete(prompt, formatted, **kw)


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Any attempt to open a connection (e.g. tiktoken fetching encodings) fails the test."""

    def refuse(*args: Any, **kw: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", refuse)
    mp.setattr(socket, "create_connection", refuse)
    yield
    mp.undo()


def new_memory(sessions: LocalSessions, session_id: str, **kw: Any) -> Memory:
    return Memory.from_defaults(
        session_id=session_id,
        token_limit=320,  # words (str.split): the verbatim queue gets 30%, the block the rest
        chat_history_token_ratio=0.3,
        token_flush_size=60,
        tokenizer_fn=str.split,
        memory_blocks=[SsmemMemoryBlock(memory=sessions, budget=200, **kw)],
    )


@pytest.fixture(scope="module")
def oncall(sessions: LocalSessions) -> tuple[list[str], Memory]:
    """The whole chat through SimpleChatEngine; the prompts the LLM got, and the Memory."""
    llm = RecordingLLM(replies=REPLIES)
    memory = new_memory(sessions, "oncall")
    engine = SimpleChatEngine.from_defaults(llm=llm, memory=memory)
    for i, turn in enumerate(USER_TURNS):
        assert str(engine.chat(turn)) == REPLIES[i]
    assert len(llm.prompts) == len(USER_TURNS)
    return llm.prompts, memory


@pytest.mark.slow
def test_the_prompt_holds_the_rule_and_the_latest_value_with_provenance(oncall):
    prompts, _ = oncall
    last = prompts[-1]
    assert MEMORY_HEADING in last
    assert f"[#0] user: {USER_TURNS[0]}" in last
    assert f"[#{2 * FACT_TURN}] user: {USER_TURNS[FACT_TURN]}" in last
    # Memory comes before the verbatim queue, which ends with the question being answered.
    assert last.index(MEMORY_HEADING) < last.index(USER_TURNS[-1])
    assert last.rstrip().endswith(USER_TURNS[-1]) or USER_TURNS[-1] in last[-400:]


@pytest.mark.slow
def test_the_prompt_is_a_fraction_of_the_history(oncall):
    prompts, _ = oncall
    history = "\n".join(f"{u}\n{r}" for u, r in zip(USER_TURNS, REPLIES, strict=True))
    last = prompts[-1]
    assert len(last) < 0.4 * len(history), (len(last), len(history))
    middle = USER_TURNS[4:28]
    shown = [t for t in middle if t in last]
    assert len(shown) < len(middle) / 2, shown
    # The memory block was there from the first flush on, and no prompt grew with the chat.
    assert max(len(p.split()) for p in prompts) <= 320


@pytest.mark.slow
def test_flushed_messages_are_durable_and_a_reopened_data_dir_sees_them(data_dir, oncall):
    _, memory = oncall
    active = memory.get_all(status=MessageStatus.ACTIVE)
    archived = 2 * len(USER_TURNS) - len([m for m in active if m.content])
    assert archived > len(USER_TURNS)  # most of the chat was flushed to ssmem
    reopened = LocalSessions(data_dir)
    try:
        row = next(s for s in reopened.sessions() if s["name"] == "oncall")
        assert row["events"] == archived
        ctx = reopened.context("oncall", "What must I never do on this shift?", 200)
        assert f"[#0] user: {USER_TURNS[0]}" in ctx["text"]
        # A block over the reopened dir serves a new Memory of the same session at once.
        fresh = new_memory(reopened, "oncall")
        msgs = fresh.get(input="What is the checkout service pool size?")
        assert msgs[0].role == "system"
        assert f"[#{2 * FACT_TURN}] user: {USER_TURNS[FACT_TURN]}" in (msgs[0].content or "")
    finally:
        reopened.close()


@pytest.mark.slow
def test_the_docstring_setup_works(data_dir, sessions):
    # The module docstring's setup, over this module's sessions.
    memory = Memory.from_defaults(
        session_id="trip",
        token_limit=2000,
        tokenizer_fn=str.split,
        memory_blocks=[SsmemMemoryBlock(memory=sessions)],
    )
    memory.put_messages(
        [
            ChatMessage(role="user", content="I get seasick, so no boat tours please."),
            ChatMessage(role="assistant", content="Understood, no boats."),
        ]
    )
    assert memory.get()[0].role != "system"  # nothing flushed yet: ssmem holds nothing
    block = memory.memory_blocks[0]
    asyncio.run(block.aput(memory.get_all(), session_id="trip"))
    got = memory.get(input="Any boat tours?")
    assert got[0].role == "system"
    assert "[#0] user: I get seasick, so no boat tours please." in (got[0].content or "")


@pytest.mark.slow
def test_a_fixed_session_and_truncation(sessions, oncall):
    block = SsmemMemoryBlock(memory=sessions, session="oncall", budget=300)
    text = asyncio.run(block.aget([ChatMessage(role="user", content="pool size?")]))
    assert text.startswith(MEMORY_HEADING)
    shorter = asyncio.run(block.atruncate(text, 150))
    assert shorter is not None and len(shorter) < len(text)
    assert shorter.startswith(MEMORY_HEADING)
    assert asyncio.run(block.atruncate(text, 10_000)) is None


def test_messages_become_events():
    msg = ChatMessage(role="user", content="hello", additional_kwargs={"name": "ana"})
    assert event_of(msg) == {
        "text": "hello",
        "source": "ana",
        "meta": {"role": "user", "name": "ana"},
    }
    assert event_of(ChatMessage(role="assistant", content="ok"))["source"] == "assistant"
    assert event_of(ChatMessage(role="assistant", content="")) is None


def test_a_block_without_a_session_says_so():
    block = SsmemMemoryBlock(memory=object())
    with pytest.raises(ValueError, match="needs a session"):
        asyncio.run(block.aget([ChatMessage(role="user", content="hi")]))


def test_without_llamaindex_the_import_names_the_extra(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "llama_index.core.memory", None)
    monkeypatch.delitem(sys.modules, "ssmem.integrations.llamaindex")
    with pytest.raises(ImportError, match=r"pip install 'ssmem\[llamaindex\]'"):
        importlib.import_module("ssmem.integrations.llamaindex")
