"""`ssmem proxy` in front of a real OpenAI-compatible server (llama.cpp's, serving the smallest
packaged model), driven by the official `openai` client as an application would: every
message is stored once, the upstream gets memory + recent turns instead of the history,
streaming passes through chunk by chunk, and bad requests get OpenAI-shaped errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from ssmem.bench.proxy_load import start_proxy, stop
from ssmem.bench.service_load import free_port
from ssmem.context import Line
from ssmem.integrations.conversation import (
    ChatRequest,
    RequestError,
    digest,
    overlap,
    recent_tail,
    upstream_messages,
)
from ssmem.integrations.notes import MEMORY_HEADING, render_notes
from ssmem.integrations.sessions import LocalSessions
from ssmem.llm.models import SMALLEST_MODEL
from ssmem.tokens import default_counter

BUDGET, RECENT = 64, 4
# A hand-written family chat: a constraint first, a value that changes, chatter between.
TURNS = [
    "Heads up for the whole trip: Leo is allergic to peanuts, so no satay anywhere.",
    "We land in Lisbon on Thursday.",
    "The hotel is the Alfama Guesthouse, check-in after 3pm.",
    "Do you know any good pastry shops?",
    "Ok and what about the tram?",
    "Change of plans: the hotel is now the Casa do Rio, same dates.",
    "What time does the castle open?",
    "Thanks! Any beach nearby?",
]


def test_resent_history_overlaps_and_only_new_messages_are_new():
    stored = [digest("user", "a"), digest("assistant", "b")]
    full = [digest("user", "a"), digest("assistant", "b "), digest("user", "c")]
    assert overlap(stored, full) == 2  # whitespace does not matter
    truncated = [digest("assistant", "b"), digest("user", "c")]  # the client kept 2 turns
    assert overlap(stored, truncated) == 1
    repeated = [*stored, digest("user", "a")]  # "a" said again is new, not a resend
    assert overlap(stored, repeated) == 2
    assert overlap([], full) == 0 and overlap(stored, []) == 0


def test_recent_turns_never_start_with_an_orphaned_tool_result():
    conv = [
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
        {"role": "tool", "content": "ok", "tool_call_id": "1"},
        {"role": "user", "content": "and now?"},
    ]
    assert recent_tail(conv, 2)[0]["role"] == "assistant"
    assert recent_tail(conv, 1) == conv[-1:]


def test_upstream_gets_system_then_memory_then_recent_turns():
    req = ChatRequest.parse(
        [
            {"role": "system", "content": "Be brief."},
            *({"role": "user", "content": f"turn {i}"} for i in range(6)),
        ]
    )
    notes = render_notes([Line("memory", (0,), "turn 0", "user")])
    sent = upstream_messages(req, notes, recent=2)
    assert [m["role"] for m in sent] == ["system", "system", "user", "user"]
    assert sent[1]["content"] == f"{MEMORY_HEADING}\n[#0] user: turn 0"
    assert [m["content"] for m in sent[2:]] == ["turn 4", "turn 5"]
    assert req.query == "turn 5"


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        (None, "messages"),
        ([], "messages"),
        (["hi"], "messages[0]"),
        ([{"role": "wizard", "content": "hi"}], "messages[0].role"),
        ([{"role": "user", "content": 5}], "messages[0].content"),
        ([{"role": "system", "content": "only rules"}], "messages"),
    ],
)
def test_malformed_messages_name_the_param(messages, param):
    with pytest.raises(RequestError) as err:
        ChatRequest.parse(messages)
    assert err.value.param == param


@pytest.fixture(scope="module")
def proxy(llama_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    data = tmp_path_factory.mktemp("proxy")
    args = ["--model", SMALLEST_MODEL, "--budget", str(BUDGET), "--recent", str(RECENT)]
    proc, url = start_proxy(llama_server, data, *args)
    yield url, data
    stop(proc)


def stored(store: LocalSessions, session: str, n: int) -> list[dict]:
    """The session's events once `n` are there: the last reply is written behind the
    response, so it may land a moment after the client has it (at most 10 s here)."""
    deadline = time.monotonic() + 10
    while len(events := store.events(session)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return events


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)


@pytest.mark.slow
def test_a_conversation_stores_each_message_once_and_sends_memory_not_history(proxy):
    url, data = proxy
    client = _client(url)
    history: list[dict] = [{"role": "system", "content": "You are a helpful travel assistant."}]
    counter = default_counter()
    sent, full, saved, shown = [], [], [], []
    for text in TURNS:
        history.append({"role": "user", "content": text})
        fixed = sum(counter.count(m["content"]) for m in (history[0], *history[-RECENT:]))
        raw = client.chat.completions.with_raw_response.create(
            model=SMALLEST_MODEL,
            messages=history,
            max_tokens=12,
            temperature=0,
            extra_headers={"X-Ssmem-Session": "lisbon-trip"},
        )
        reply = raw.parse().choices[0].message.content or ""
        history.append({"role": "assistant", "content": reply})
        sent.append(int(raw.headers["X-Ssmem-Prompt-Tokens"]))
        full.append(int(raw.headers["X-Ssmem-History-Tokens"]))
        saved.append(int(raw.headers["X-Ssmem-Saved-Tokens"]))
        shown.append({int(q) for q in raw.headers["X-Ssmem-Memory-Seqs"].split(",") if q})
        # what went upstream: the system prompt, the recent turns, memory within the budget
        assert sent[-1] <= fixed + counter.count(MEMORY_HEADING) + BUDGET
        assert float(raw.headers["X-Ssmem-Overhead-Ms"]) >= 0
    assert [f - s for f, s in zip(full, sent, strict=True)] == saved
    assert full == sorted(full) and full[-1] > full[0]  # the history grows every turn
    assert saved[-1] > 0  # the history outgrew budget + recent turns: less is sent
    assert 0 in shown[-1]  # the constraint from the first turn is in memory's notes
    assert not shown[0]  # a first message is only in the recent turns: no notes repeat it

    store = LocalSessions(data)
    events = stored(store, "lisbon-trip", 2 * len(TURNS))
    roles = [e["meta"]["role"] for e in events]
    assert roles.count("user") == len(TURNS)  # resent history is not stored again
    assert [e["text"] for e in events if e["meta"]["role"] == "user"] == TURNS
    assert len(events) - roles.count("user") == sum(
        1 for m in history if m["role"] == "assistant" and m["content"].strip()
    )
    ctx = store.context("lisbon-trip", "Which hotel are we staying at, and any allergies?", 256)
    assert "[#0] user: Heads up for the whole trip: Leo is allergic to peanuts" in ctx["text"]
    assert "Casa do Rio" in ctx["text"]
    store.close()


@pytest.mark.slow
def test_streaming_passes_chunks_through_and_stores_the_reply(proxy):
    url, data = proxy
    client = _client(url)
    stream = client.chat.completions.create(
        model=SMALLEST_MODEL,
        messages=[{"role": "user", "content": "Count from one to ten in words."}],
        max_tokens=24,
        temperature=0,
        stream=True,
        user="counting",
    )
    pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta]
    text = "".join(p for p in pieces if p)
    assert sum(1 for p in pieces if p) > 3, pieces  # token by token, not one blob
    store = LocalSessions(data)
    events = stored(store, "counting", 2)
    store.close()
    assert [e["meta"]["role"] for e in events] == ["user", "assistant"]
    assert events[1]["text"] == text


@pytest.mark.slow
def test_bad_requests_are_openai_errors_naming_the_param(proxy):
    url, _ = proxy
    client = _client(url)
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=SMALLEST_MODEL, messages=[{"role": "wizard", "content": "hi"}]
        )
    assert err.value.body["param"] == "messages[0].role"
    resp = httpx.post(url + "/v1/chat/completions", content=b"{not json", timeout=10)
    assert resp.status_code == 400 and resp.json()["error"]["type"] == "invalid_request_error"
    metrics = httpx.get(url + "/metrics", timeout=10).text
    assert "ssmem_proxy_saved_tokens_total" in metrics


@pytest.mark.slow
def test_an_unreachable_upstream_is_a_502_and_the_message_is_still_stored(
    tmp_path: Path, dead_upstream: str
):
    from fastapi.testclient import TestClient

    from ssmem.integrations.proxy import Proxy, create_proxy_app
    from ssmem.integrations.upstream import HttpUpstream

    memory = LocalSessions(tmp_path, system="window")
    proxy = Proxy(memory, HttpUpstream(dead_upstream))
    with TestClient(create_proxy_app(proxy)) as http:
        body = {"model": "m", "messages": [{"role": "user", "content": "The code is 4719."}]}
        resp = http.post("/v1/chat/completions", json=body)
    proxy.close()  # the message was written behind the (failed) upstream call
    assert resp.status_code == 502 and "unreachable" in resp.json()["error"]["message"]
    assert [e["text"] for e in memory.events("default")] == ["The code is 4719."]
    memory.close()


@pytest.fixture
def dead_upstream() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.mark.slow
def test_a_restarted_proxy_lines_up_with_the_log_and_stores_nothing_twice(
    tmp_path: Path, llama_server: str
):
    from fastapi.testclient import TestClient

    from ssmem.integrations.proxy import Proxy, create_proxy_app
    from ssmem.integrations.upstream import HttpUpstream

    def turn(messages: list[dict]) -> str:
        memory = LocalSessions(tmp_path, system="window")
        proxy = Proxy(memory, HttpUpstream(llama_server))
        with TestClient(create_proxy_app(proxy)) as http:
            body = {"model": SMALLEST_MODEL, "messages": messages, "max_tokens": 6}
            body["temperature"] = 0
            resp = http.post("/v1/chat/completions", json=body)
        proxy.close()
        memory.close()
        assert resp.status_code == 200, resp.text
        return resp.json()["choices"][0]["message"]["content"]

    first = [{"role": "user", "content": "The gate code is 4719."}]
    r1 = turn(first)  # each turn in a new proxy process state, on the same data dir
    full = [*first, {"role": "assistant", "content": r1}, {"role": "user", "content": "Ok."}]
    r2 = turn(full)
    truncated = [*full[-1:], {"role": "assistant", "content": r2 + "  "}]  # kept 2, respaced
    turn([*truncated, {"role": "user", "content": "And the code?"}])
    memory = LocalSessions(tmp_path, system="window")
    texts = [e["text"] for e in memory.events("default")]
    memory.close()
    assert texts[:5] == ["The gate code is 4719.", r1, "Ok.", r2, "And the code?"]
    assert len(texts) == 6  # and the last reply: each message stored exactly once


@pytest.mark.slow
def test_without_an_upstream_url_the_packaged_model_answers_in_process(tmp_path: Path):
    from fastapi.testclient import TestClient

    from ssmem.integrations.proxy import Proxy, ProxyConfig, create_proxy_app
    from ssmem.integrations.upstream import LocalUpstream

    memory = LocalSessions(tmp_path, system="window")
    upstream = LocalUpstream(SMALLEST_MODEL, n_ctx=2048)
    proxy = Proxy(memory, upstream, ProxyConfig(model=SMALLEST_MODEL))
    body = {
        "model": "anything",
        "messages": [{"role": "user", "content": "Say hello to the team."}],
        "max_tokens": 12,
        "temperature": 0,
    }
    with TestClient(create_proxy_app(proxy)) as http:
        whole = http.post("/v1/chat/completions", json=body)
        with http.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as resp:
            lines = [line for line in resp.iter_lines() if line.startswith("data:")]
    proxy.close()
    upstream.close()
    assert whole.status_code == 200 and whole.json()["model"]
    text = whole.json()["choices"][0]["message"]["content"]
    assert lines[-1] == "data: [DONE]"
    pieces = [json.loads(x[5:])["choices"][0]["delta"].get("content") or "" for x in lines[:-1]]
    assert sum(1 for p in pieces if p) > 2  # token by token
    texts = [e["text"] for e in memory.events("default")]
    memory.close()
    # Without the first reply in it, the second request's question is a new turn (asked
    # again), not a resend; each reply is stored as it was sent.
    question = "Say hello to the team."
    assert texts == [question, text, question, "".join(pieces)]
