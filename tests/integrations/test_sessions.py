"""Named sessions behave the same embedded in a data dir and on a running `ssmem serve`:
first use creates, later uses (from another process) find the same session; context, probe
and history read the session's system; every failure is a `ServiceError` naming the field."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssmem import Client, ServiceError
from ssmem.bench.service_load import start_server
from ssmem.integrations.sessions import LocalSessions, RemoteSessions, SessionMemory

# A hand-written on-call channel: a constraint at #0, a value changed at #3 naming its subject.
CHANNEL = [
    ("maya", "Reminder: never restart the primary database during business hours."),
    ("tom", "The checkout service pool size is 40 connections."),
    ("maya", "coffee run in 5, anyone?"),
    ("tom", "Update: the checkout service pool size is now 64 connections after the fix."),
    ("ravi", "Who owns the pager rotation next week?"),
]


@pytest.fixture(scope="module", params=["local", "remote"])
def memory(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionMemory]:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "local":
        mem: SessionMemory = LocalSessions(root / "data")
        yield mem
        mem.close()
        return
    admin = secrets.token_hex(16)
    proc, url = start_server(str(root / "srv"), admin, ["--rate-per-s", "0"])
    try:
        key = Client(url).create_tenant("agents", admin)
        mem = RemoteSessions(url, key)
        yield mem
        mem.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def oncall(memory: SessionMemory) -> str:
    receipt = memory.append("oncall", [{"text": t, "source": s} for s, t in CHANNEL])
    assert (receipt["accepted"], receipt["first_seq"], receipt["last_seq"]) == (5, 0, 4)
    return "oncall"


@pytest.mark.slow
def test_context_keeps_the_constraint_and_the_new_value_with_provenance(memory, oncall):
    ctx = memory.context(oncall, "What is the checkout pool size?", 200)
    assert "[#0] maya: Reminder: never restart the primary database" in ctx["text"]
    assert "[#3] tom: Update: the checkout service pool size is now 64" in ctx["text"]
    assert ctx["tokens"] <= 200
    assert {0, 3} <= {q for line in ctx["lines"] for q in line["seqs"]}


@pytest.mark.slow
def test_a_name_finds_the_same_session_again_and_appends_continue_its_seqs(memory, oncall):
    again = memory.append(oncall, [{"text": "Ravi takes the pager next week.", "source": "maya"}])
    assert again["first_seq"] == 5 and again["events"] == 6
    named = [s for s in memory.sessions() if s["name"] == oncall]
    assert len(named) == 1 and named[0]["system"] == "hybrid"


@pytest.mark.slow
def test_probe_ranks_by_relevance_and_history_names_the_slot_of_a_seq(memory, oncall):
    held = memory.probe(oncall, "checkout service pool size", limit=2)
    assert 1 <= len(held) <= 2
    assert "pool size" in held[0]["text"] and held[0]["score"] >= held[-1]["score"]
    slot = memory.history(oncall, held[0]["seq"])
    assert slot["id"] == held[0]["id"] and slot["text"] == held[0]["text"]
    with pytest.raises(ServiceError) as err:
        memory.history(oncall, 2)  # chatter, dropped as noise: no slot holds it
    assert (err.value.status, err.value.field) == (404, "seq")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda m: m.append("", [{"text": "x"}]), "session"),
        (lambda m: m.append("bad\x00name", [{"text": "x"}]), "session"),
        (lambda m: m.append("oncall", [{"text": 3}]), "events[0].text"),
        (lambda m: m.context("oncall", "q", -1), "budget"),
        (lambda m: m.probe("oncall", "pool", 0), "limit"),
    ],
)
def test_bad_input_is_a_service_error_naming_the_field(memory, oncall, call, field):
    with pytest.raises(ServiceError) as err:
        call(memory)
    assert err.value.status == 422 and err.value.field == field, err.value


@pytest.mark.slow
def test_a_system_without_slots_says_so(memory):
    memory.system = "window"
    try:
        memory.append("plain", [{"text": "The pool size is 40."}])
        with pytest.raises(ServiceError) as err:
            memory.probe("plain", "pool size")
    finally:
        memory.system = "hybrid"
    assert err.value.status == 409 and "keeps no slots" in err.value.message


@pytest.mark.slow
def test_local_sessions_survive_a_new_process_on_the_same_data_dir(tmp_path: Path):
    first = LocalSessions(tmp_path, system="window")
    first.append("notes", [{"text": "The door code is 4719.", "source": "me"}])
    first.close()
    second = LocalSessions(tmp_path, system="window")
    assert "[#0] me: The door code is 4719." in second.context("notes", "door code", 64)["text"]
    second.close()


@pytest.mark.slow
def test_reading_a_name_nothing_was_written_to_creates_nothing(memory):
    ctx = memory.context("never-written", "anything?", 64)
    assert (ctx["text"], ctx["lines"], ctx["tokens"], ctx["budget"]) == ("", [], 0, 64)
    assert memory.probe("never-written", "anything") == []
    assert memory.events("never-written") == [] and memory.tail("never-written", 5) == []
    with pytest.raises(ServiceError) as err:
        memory.history("never-written", 0)
    assert (err.value.status, err.value.field) == (404, "seq")
    with pytest.raises(ServiceError) as err:
        memory.context("never-written", "q", -1)  # the same checks as an existing session's
    assert (err.value.status, err.value.field) == (422, "budget")
    assert "never-written" not in {s["name"] for s in memory.sessions()}


@pytest.mark.slow
def test_tail_is_the_last_events_in_order(memory, oncall):
    log = memory.events(oncall)
    assert len(log) >= 5 and [e["seq"] for e in log] == list(range(len(log)))
    assert memory.tail(oncall, 2) == log[-2:]
    assert memory.tail(oncall, 1000) == log
