"""The LangChain adapter against the real `langchain_core`: a 40-turn chat runs through
`RunnableWithMessageHistory` with a fake chat model, and the prompt the model received is
checked — the turn-1 constraint and the latest value of a twice-updated fact are there with
their `[#seq]`, the prompt is a fraction of the history, the chatter in between is mostly
not — and the turns are in the session's durable log (a reopened data dir sees them)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import FakeListChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables.history import RunnableWithMessageHistory

from ssmem.integrations.langchain import (
    MEMORY_HEADING,
    MEMORY_ID,
    SsmemChatMessageHistory,
    SsmemRetriever,
    event_of,
    memory_for_input,
    message_of,
)
from ssmem.integrations.sessions import LocalSessions

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# A user planning a birthday party with an assistant: the allergy at turn 1 (seq 0), the head
# count set at turn 4 and changed twice (turns 19 and 33), chatter in between. Each user
# turn is followed by one assistant reply, so user turn i (from 0) is seq 2 * i.
USER_TURNS = [
    "Before anything else: my daughter Maya has a severe peanut allergy, so nothing with "
    "peanuts or peanut oil anywhere near the food.",
    "I'm throwing a surprise 40th birthday party for my husband Daniel.",
    "The party will be at our house, in the back garden.",
    "We're expecting 25 guests at the party.",
    "Can you suggest a theme? He loves old jazz records.",
    "A speakeasy theme sounds fun. What decorations would fit?",
    "I found some gold string lights at the hardware store for 30 dollars.",
    "Should the invitations be paper or digital?",
    "Digital it is. Which font looks vintage but readable?",
    "My neighbour Priya offered to lend us her folding tables.",
    "What music should play while people arrive?",
    "Daniel's favourite album is Kind of Blue by Miles Davis.",
    "Can we hire a live trio, or is that too expensive?",
    "The trio quoted 600 dollars for three hours, which is over budget.",
    "Let's skip the trio and make a playlist instead.",
    "How early should I send the invitations?",
    "What about parking? Our street is narrow.",
    "The school across the road said guests can use their car park.",
    "Do I need a permit for music in the garden after 10pm?",
    "Update: we're now expecting 40 guests at the party, my sister is bringing her book club.",
    "We need more chairs then. Where can I rent chairs cheaply?",
    "The rental place has chairs for 2 dollars each.",
    "Should I make a signature cocktail?",
    "Let's call the cocktail the Blue Note, with gin and blueberry.",
    "What can I offer people who don't drink?",
    "A lavender lemonade sounds perfect for the non-drinkers.",
    "My mother wants to make her famous lemon cake for dessert.",
    "Do I need a backup plan if it rains?",
    "We can borrow a gazebo from Daniel's brother Tom.",
    "What games work for a grown-up party?",
    "A jazz trivia quiz is a great idea, Daniel would love it.",
    "I'm worried the lights will fuse the garden sockets.",
    "The electrician says the outdoor circuit handles 2000 watts.",
    "Update: we're now expecting 34 guests at the party, a few people declined.",
    "How long before the party should the caterer arrive?",
    "Should I tell the neighbours about the noise?",
    "I wrote a note for the neighbours and invited them too.",
    "What should I wear? Something twenties-style?",
    "A flapper dress it is, I ordered one online.",
    "Okay, give me the catering brief: how many people, and what must the caterer avoid?",
]
FACT_TURN = 33  # "... now expecting 34 guests ..."; earlier values at turns 3 and 19
REPLIES = [f"Noted ({i + 1}). Anything else for the party?" for i in range(len(USER_TURNS))]


class PromptRecorder(BaseCallbackHandler):
    """Keeps every list of messages a chat model was started with."""

    def __init__(self) -> None:
        self.prompts: list[list[BaseMessage]] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kw: Any
    ) -> None:
        self.prompts.extend(messages)


def prompt_text(messages: list[BaseMessage]) -> str:
    return "\n".join(f"{m.type}: {m.text}" for m in messages)


@pytest.fixture(scope="module")
def party(sessions: LocalSessions) -> list[list[BaseMessage]]:
    """The whole conversation through RunnableWithMessageHistory; the prompts the model got."""
    recorder = PromptRecorder()
    llm = FakeListChatModel(responses=REPLIES)

    def history(session_id: str) -> SsmemChatMessageHistory:
        return SsmemChatMessageHistory(sessions, session_id, budget=300, recent=4)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = RunnableWithMessageHistory(memory_for_input() | llm, history)
    config = {"configurable": {"session_id": "party"}, "callbacks": [recorder]}
    for i, turn in enumerate(USER_TURNS):
        reply = chain.invoke(turn, config=config)
        assert reply.content == REPLIES[i]
    assert len(recorder.prompts) == len(USER_TURNS)
    return recorder.prompts


@pytest.mark.slow
def test_the_prompt_holds_the_constraint_and_the_latest_value_with_provenance(party):
    last = party[-1]
    text = prompt_text(last)
    assert f"[#0] user: {USER_TURNS[0]}" in text
    assert f"[#{2 * FACT_TURN}] user: {USER_TURNS[FACT_TURN]}" in text
    # The memory part comes first, framed as data; the question being answered comes last.
    assert isinstance(last[0], SystemMessage) and last[0].id == MEMORY_ID
    assert last[0].text.startswith(MEMORY_HEADING)
    assert isinstance(last[-1], HumanMessage) and last[-1].text == USER_TURNS[-1]


@pytest.mark.slow
def test_the_prompt_is_a_fraction_of_the_history(party):
    history = "\n".join(f"{u}\n{r}" for u, r in zip(USER_TURNS, REPLIES, strict=True))
    text = prompt_text(party[-1])
    assert len(text) < 0.4 * len(history), (len(text), len(history))
    middle = USER_TURNS[5:30]
    shown = [t for t in middle if t in text]
    assert len(shown) < len(middle) / 2, shown
    # Every prompt stays bounded: 1 memory message + 4 verbatim + the new input at most.
    assert max(len(p) for p in party) <= 6
    assert len(party[-1]) == 6


@pytest.mark.slow
def test_messages_are_memory_then_the_recent_turns_verbatim(sessions, party):
    msgs = SsmemChatMessageHistory(sessions, "party", budget=300, recent=4).messages
    assert [type(m) for m in msgs] == [SystemMessage, HumanMessage, AIMessage] * 1 + [
        HumanMessage,
        AIMessage,
    ]
    n = 2 * len(USER_TURNS)
    assert [m.id for m in msgs[1:]] == [f"ssmem-{s}" for s in range(n - 4, n)]
    assert msgs[-2].text == USER_TURNS[-1] and msgs[-1].text == REPLIES[-1]
    # A context line that only repeats a verbatim message is left out of the memory part.
    memory_lines = msgs[0].text.splitlines()[1:]
    assert memory_lines and f"[#0] user: {USER_TURNS[0]}" in memory_lines
    for seq in range(n - 4, n):
        assert not any(ln.removeprefix("OPEN ").startswith(f"[#{seq}] ") for ln in memory_lines)
    # recent=0: the memory part alone, for the latest user message in the log.
    only = SsmemChatMessageHistory(sessions, "party", budget=300, recent=0).messages
    assert len(only) == 1 and only[0].id == MEMORY_ID


@pytest.mark.slow
def test_the_turns_are_durable_and_a_reopened_data_dir_sees_them(data_dir, party):
    reopened = LocalSessions(data_dir)
    try:
        row = next(s for s in reopened.sessions() if s["name"] == "party")
        assert row["events"] == 2 * len(USER_TURNS)
        hist = SsmemChatMessageHistory(reopened, "party", budget=300, recent=2)
        msgs = hist.messages
        assert [m.text for m in msgs[1:]] == [USER_TURNS[-1], REPLIES[-1]]
        ctx = hist.context("What is Maya allergic to?")
        assert f"[#0] user: {USER_TURNS[0]}" in ctx["text"]
    finally:
        reopened.close()


@pytest.mark.slow
def test_context_for_an_explicit_query_and_the_retriever(sessions, party):
    hist = SsmemChatMessageHistory(sessions, "party", budget=200)
    ctx = hist.context("How many guests are coming?")
    assert ctx["tokens"] <= 200
    assert f"[#{2 * FACT_TURN}]" in ctx["text"]
    docs = SsmemRetriever(memory=sessions, session="party", budget=200).invoke(
        "What is Maya allergic to?"
    )
    first = next(d for d in docs if d.metadata["seq"] == 0)
    assert first.page_content == f"[#0] user: {USER_TURNS[0]}"
    assert first.metadata["source"] == "user"
    assert all(
        d.page_content.removeprefix("OPEN ").startswith(f"[#{d.metadata['seqs'][0]}") for d in docs
    )


@pytest.mark.slow
def test_the_docstring_setup_works(sessions):
    # The module docstring's one-liner, as written there.
    llm = FakeListChatModel(responses=["Sure."])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = RunnableWithMessageHistory(
            memory_for_input() | llm, lambda sid: SsmemChatMessageHistory(sessions, sid)
        )
    out = chain.invoke("I prefer window seats.", {"configurable": {"session_id": "doc"}})
    assert out.content == "Sure."
    msgs = SsmemChatMessageHistory(sessions, "doc").messages
    assert [m.text for m in msgs if not isinstance(m, SystemMessage)] == [
        "I prefer window seats.",
        "Sure.",
    ]


def test_messages_round_trip_through_events():
    from ssmem.events import Event

    human = HumanMessage(content="hi there", name="ana")
    ev = event_of(human)
    assert ev == {"text": "hi there", "source": "ana", "meta": {"role": "user", "name": "ana"}}
    back = message_of(Event(seq=7, text=ev["text"], source=ev["source"], meta=ev["meta"]))
    assert isinstance(back, HumanMessage) and back.name == "ana" and back.id == "ssmem-7"
    assert event_of(AIMessage(content="ok"))["source"] == "assistant"
    assert event_of(AIMessage(content="")) is None  # a bare tool call: nothing to store


def test_clear_is_refused_because_the_log_is_append_only():
    hist = SsmemChatMessageHistory(object(), "x")  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="append-only"):
        hist.clear()


def test_without_langchain_the_import_names_the_extra(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "langchain_core.chat_history", None)
    monkeypatch.delitem(sys.modules, "ssmem.integrations.langchain")
    with pytest.raises(ImportError, match=r"pip install 'ssmem\[langchain\]'"):
        importlib.import_module("ssmem.integrations.langchain")
