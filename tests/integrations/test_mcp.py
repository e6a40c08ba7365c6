"""`ssmem mcp` as an agent uses it: the MCP SDK's own clients, over stdio and streamable
HTTP, on a local data dir and against a running `ssmem serve`.

Each server process loads torch and the encoder (seconds), so the stdio server is shared
by the module (every test uses its own session) and only persistence starts its own.
The first tests need no process: the SDK's in-memory client against `build_server` over a
fake backend checks how backend errors reach the agent.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, TextContent

from ssmem import Client, ServiceError
from ssmem.bench.proxy_load import stop
from ssmem.bench.service_load import free_port, start_server
from ssmem.integrations.mcp_server import build_server

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"remember", "append_events", "context", "memory", "probe", "history", "sessions"}
TIMEOUT = 180.0  # seconds one MCP request may take (a cold start loads the encoder)

# A family chat about grandma's care: an early constraint (#1), a value that is updated
# later (the on-call number, #2 -> #6), and chatter around them.
FAMILY = [
    {"text": "Setting up the rota for grandma's care this month.", "source": "mum"},
    {"text": "Rule: never give grandma ibuprofen, she is allergic to it.", "source": "mum"},
    {"text": "The on-call phone number is 555-0100.", "source": "dad"},
    {"text": "Lunch today was pasta with peas.", "source": "tom"},
    {"text": "The pharmacy on Elm Street closes at 6pm.", "source": "dad"},
    {"text": "Rainy all week, take umbrellas.", "source": "ana"},
    {"text": "Update: the on-call phone number is now 555-0199.", "source": "dad"},
    {"text": "Got it, saved the new number.", "source": "ana"},
]
CONSTRAINT, OLD_VALUE, NEW_VALUE = 1, 2, 6


def child_env() -> dict[str, str]:
    """This environment minus what would switch the server to another store."""
    drop = {"SSMEM_URL", "SSMEM_KEY", "SSMEM_DATA_DIR"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def mcp_args(*args: str) -> list[str]:
    return ["-m", "ssmem.cli.mcp_cmd", *args]


def text_of(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def line_with(text: str, seq: int) -> str:
    """The rendered line that carries `[#seq]` (empty when none does)."""
    return next((line for line in text.splitlines() if f"[#{seq}]" in line), "")


@asynccontextmanager
async def stdio_session(log: Path, *args: str) -> AsyncIterator[ClientSession]:
    """`python -m ssmem.cli.mcp_cmd ARGS` spawned and initialized by the SDK's stdio client."""
    params = StdioServerParameters(
        command=sys.executable, args=mcp_args(*args), env=child_env(), cwd=ROOT
    )
    with open(log, "a") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write, read_timeout_seconds=TIMEOUT) as session,
        ):
            init = await session.initialize()
            assert init.server_info.name == "ssmem"
            yield session


class Agent:
    """A connected MCP client session driven from sync tests through a blocking portal."""

    def __init__(self, portal: BlockingPortal, session: ClientSession) -> None:
        self.portal = portal
        self.session = session

    def call(self, tool: str, **args: Any) -> CallToolResult:
        return self.portal.call(partial(self.session.call_tool, tool, args))

    def ok(self, tool: str, **args: Any) -> CallToolResult:
        result = self.call(tool, **args)
        assert not result.is_error, text_of(result)
        return result

    def data(self, tool: str, **args: Any) -> dict[str, Any]:
        result = self.ok(tool, **args)
        assert result.structured_content is not None
        return result.structured_content

    def error(self, tool: str, **args: Any) -> str:
        result = self.call(tool, **args)
        assert result.is_error, f"{tool}({args}) succeeded: {text_of(result)[:200]}"
        return text_of(result)

    def read(self, uri: str) -> str:
        result = self.portal.call(self.session.read_resource, uri)
        return "".join(getattr(c, "text", "") for c in result.contents)


@contextmanager
def agent(log: Path, *args: str) -> Iterator[Agent]:
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(stdio_session(log, *args)) as session,
    ):
        yield Agent(portal, session)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """One stdio server on a fresh data dir, shared by this module's tests."""
    root = tmp_path_factory.mktemp("mcp-local")
    with agent(root / "server.log", "--data-dir", str(root / "data")) as a:
        yield a


def tell_family(a: Agent, session: str) -> list[int]:
    """Append FAMILY (the first event through `remember`, the rest as one batch)."""
    first = a.data("remember", session=session, **FAMILY[0])
    rest = a.data("append_events", session=session, events=FAMILY[1:])
    assert first["accepted"] == 1 and rest["accepted"] == len(FAMILY) - 1
    seqs = first["seqs"] + rest["seqs"]
    assert seqs == list(range(len(FAMILY)))  # a fresh session numbers from 0, in order
    assert rest["head_seq"] == seqs[-1] and rest["events"] == len(FAMILY)
    return seqs


def assert_verbatim(slot: dict[str, Any]) -> None:
    """A slot's value and every value it superseded are events of FAMILY, verbatim."""
    for version in [slot, *slot["history"]]:
        event = FAMILY[version["seq"]]
        assert (version["text"], version["source"]) == (event["text"], event["source"])


# -- in process: how backend errors reach the agent ----------------------------------------
class FailingMemory:
    """A backend whose every call fails as the service would (remote-style field paths)."""

    system = "window"

    def __init__(self, err: ServiceError) -> None:
        self.err = err

    def append(self, session: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        raise self.err

    def context(self, session: str, query: str, budget: int | None = None) -> dict[str, Any]:
        raise self.err

    def probe(self, session: str, about: str, limit: int = 5) -> list[dict[str, Any]]:
        raise self.err

    def history(self, session: str, seq: int) -> dict[str, Any]:
        raise self.err

    def events(self, session: str, after: int = -1, limit: int = 1000) -> list[dict[str, Any]]:
        raise self.err

    def sessions(self) -> list[dict[str, Any]]:
        raise self.err

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("err", "tool", "args", "expected"),
    [
        (
            ServiceError(422, "invalid", "budget 40000 > max_budget 32768", "body.budget"),
            "context",
            {"session": "s", "query": "q", "budget": 40000},
            "budget: 40000 > max_budget 32768",
        ),
        (
            ServiceError(409, "conflict", "system 'window' keeps no slots", "session_id"),
            "probe",
            {"session": "s", "about": "x"},
            "session: system 'window' keeps no slots",
        ),
        (
            ServiceError(413, "too_large", "event is 300066 bytes > max_event_bytes", "events[0]"),
            "remember",
            {"session": "s", "text": "long"},
            "text: event is 300066 bytes > max_event_bytes",
        ),
        (
            ServiceError(422, "invalid", "expected a string,\n got int", "events[1].source"),
            "append_events",
            {"session": "s", "events": [{"text": "a"}, {"text": "b"}]},
            "events[1].source: expected a string, got int",
        ),
    ],
)
def test_service_errors_become_one_line_tool_errors_naming_the_argument(
    err: ServiceError, tool: str, args: dict[str, Any], expected: str
) -> None:
    from mcp import Client as McpClient

    async def main() -> CallToolResult:
        async with McpClient(build_server(FailingMemory(err))) as client:
            return await client.call_tool(tool, args)

    result = anyio.run(main)
    assert result.is_error
    message = text_of(result)
    assert message.endswith(expected) and "\n" not in message


def test_an_unreachable_service_is_a_tool_error() -> None:
    from mcp import Client as McpClient

    from ssmem.integrations.sessions import RemoteSessions

    backend = RemoteSessions(f"http://127.0.0.1:{free_port()}", "key", timeout=2)

    async def main() -> tuple[CallToolResult, CallToolResult]:
        async with McpClient(build_server(backend)) as client:
            bad = await client.call_tool("context", {"session": "s", "query": "q"})
            return bad, await client.call_tool("sessions", {})

    try:
        for result in anyio.run(main):
            assert result.is_error and "unreachable" in text_of(result)
    finally:
        backend.close()


# -- stdio, local data dir -----------------------------------------------------------------
@pytest.mark.slow
def test_tools_are_listed_with_valid_json_schemas(local: Agent) -> None:
    tools = {t.name: t for t in local.portal.call(local.session.list_tools).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        schema = tool.input_schema
        jsonschema.validators.validator_for(schema).check_schema(schema)
        assert schema["type"] == "object" and "properties" in schema
        assert tool.description and len(tool.description) > 40  # what the model reads
        if tool.output_schema is not None:
            jsonschema.validators.validator_for(tool.output_schema).check_schema(tool.output_schema)
    assert set(tools["context"].input_schema["required"]) == {"session", "query"}
    assert set(tools["remember"].input_schema["required"]) == {"session", "text"}
    assert tools["sessions"].input_schema.get("required", []) == []
    events = tools["append_events"].input_schema
    jsonschema.validate({"session": "s", "events": [{"text": "a", "ts": 1.5}]}, events)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"session": "s", "events": [{"txt": "a"}]}, events)


@pytest.mark.slow
def test_context_keeps_the_early_constraint_and_the_latest_value(local: Agent) -> None:
    seqs = tell_family(local, "family")
    result = local.ok(
        "context",
        session="family",
        query="What is the on-call number, and what must grandma never be given?",
        budget=256,
    )
    text = text_of(result)
    assert "ibuprofen" in line_with(text, seqs[CONSTRAINT])
    assert "555-0199" in line_with(text, seqs[NEW_VALUE])
    data = result.structured_content
    assert data is not None and data["text"] == text and data["session"] == "family"
    assert 0 < data["tokens"] <= data["budget"] == 256
    for line in data["lines"]:  # typed lines: every seq cited is an event that was sent
        assert line["seqs"] and set(line["seqs"]) <= set(seqs)
    assert any(seqs[NEW_VALUE] in line["seqs"] for line in data["lines"])

    everything = local.data("memory", session="family")
    assert everything["query"] == "" and "[#" in everything["text"]
    listed = {s["name"]: s for s in local.data("sessions")["sessions"]}
    assert listed["family"]["events"] == len(FAMILY)
    assert listed["family"]["last_seq"] == seqs[-1] and listed["family"]["system"] == "hybrid"


@pytest.mark.slow
def test_probe_and_history_show_slots_with_their_provenance(local: Agent) -> None:
    seqs = tell_family(local, "probe-family")
    out = local.data("probe", session="probe-family", about="on-call phone number", limit=3)
    assert out["about"] == "on-call phone number" and 1 <= len(out["slots"]) <= 3
    for slot in out["slots"]:
        assert_verbatim(slot)
    assert seqs[NEW_VALUE] in {s["seq"] for s in out["slots"]}

    for seq in (seqs[CONSTRAINT], seqs[NEW_VALUE]):
        held = local.data("history", session="probe-family", seq=seq)
        assert held["seq"] == seq and seq in held["slot"]["seqs"]
        assert_verbatim(held["slot"])
    # any other event: the slot that holds or held it, or an error saying none does
    for seq in seqs:
        result = local.call("history", session="probe-family", seq=seq)
        if result.is_error:
            assert "seq: no slot holds" in text_of(result)
        else:
            assert result.structured_content is not None
            slot = result.structured_content["slot"]
            assert_verbatim(slot)
            assert seq in slot["seqs"] or (slot.get("opened") or {}).get("seq") == seq


@pytest.mark.slow
def test_resources_list_sessions_and_render_a_sessions_memory(local: Agent) -> None:
    seqs = tell_family(local, "resource-family")
    templates = local.portal.call(local.session.list_resource_templates).resource_templates
    assert "ssmem://sessions/{session}/memory" in {t.uri_template for t in templates}
    text = local.read("ssmem://sessions/resource-family/memory")
    assert "ibuprofen" in line_with(text, seqs[CONSTRAINT])
    assert text == local.data("memory", session="resource-family")["text"]
    listed = json.loads(local.read("ssmem://sessions"))
    assert {"name": "resource-family", "events": len(FAMILY)}.items() <= {
        k: v for s in listed if s["name"] == "resource-family" for k, v in s.items()
    }.items()
    with pytest.raises(MCPError, match="session"):
        local.read("ssmem://sessions/%20/memory")  # a blank name


@pytest.mark.slow
def test_concurrent_calls_to_a_new_session_get_distinct_seqs(local: Agent) -> None:
    """Tool calls run on worker threads: one session is created, no seq is given twice."""
    receipts: list[dict[str, Any]] = []

    async def one(i: int) -> None:
        args = {"session": "busy", "text": f"note {i}"}
        result = await local.session.call_tool("remember", args)
        assert not result.is_error and result.structured_content is not None, text_of(result)
        receipts.append(result.structured_content)

    async def burst() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(6):
                tg.start_soon(one, i)

    local.portal.call(burst)
    assert sorted(s for r in receipts for s in r["seqs"]) == list(range(6))
    listed = [s for s in local.data("sessions")["sessions"] if s["name"] == "busy"]
    assert len(listed) == 1 and listed[0]["events"] == 6


BAD_CALLS = [
    ("context", {"session": "", "query": "q"}, "session"),
    ("context", {"session": "   ", "query": "q"}, "session"),
    ("remember", {"session": "a\x00b", "text": "t"}, "session"),
    ("context", {"session": "s" * 201, "query": "q"}, "session"),
    ("context", {"session": "bad", "query": "q", "budget": -1}, "budget"),
    ("context", {"session": "bad", "query": "q", "budget": 10**9}, "budget"),
    ("context", {"session": "bad", "query": "q", "budget": "lots"}, "budget"),
    ("context", {"session": "bad", "query": "nul\x00"}, "query"),
    ("context", {"session": "bad"}, "query"),
    ("history", {"session": "bad", "seq": 10**6}, "seq"),
    ("history", {"session": "bad", "seq": -3}, "seq"),
    ("probe", {"session": "bad", "about": "x", "limit": 0}, "limit"),
    ("remember", {"session": "bad", "text": "x" * 300_000}, "text"),
    ("remember", {"session": "bad"}, "text"),
    ("remember", {"session": "bad", "text": 42}, "text"),
    ("append_events", {"session": "bad", "events": []}, "events"),
    ("append_events", {"session": "bad", "events": [{"text": 5}]}, "events[0].text"),
    ("append_events", {"session": "bad", "events": [{"text": "a", "sequence": 1}]}, "events[0]"),
    ("append_events", {"session": "bad", "events": "not a list"}, "events"),
]


@pytest.mark.slow
def test_bad_inputs_are_tool_errors_naming_the_field(local: Agent) -> None:
    for tool, args, field in BAD_CALLS:
        message = local.error(tool, **args)
        assert f"{field}:" in message or f"{field}." in message, (tool, args, message)
        assert "\n" not in message and len(message) < 400, message
    # nothing was written by the failed calls, and the server still answers
    receipt = local.data("remember", session="bad", text="still here")
    assert receipt["seqs"] == [0]
    assert "still here" in line_with(local.data("memory", session="bad")["text"], 0)


# -- persistence ---------------------------------------------------------------------------
@pytest.mark.slow
def test_events_persist_across_server_processes(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    with agent(tmp_path / "server.log", "--data-dir", data) as a:
        seqs = tell_family(a, "kept")
    # a new process on the same data dir; its new sessions get a system without slots
    with agent(tmp_path / "server.log", "--data-dir", data, "--system", "window") as b:
        text = text_of(b.ok("context", session="kept", query="on-call number", budget=512))
        assert "555-0199" in line_with(text, seqs[NEW_VALUE])
        listed = {s["name"]: s for s in b.data("sessions")["sessions"]}
        assert listed["kept"]["events"] == len(FAMILY) and listed["kept"]["system"] == "hybrid"
        assert b.data("remember", session="kept", text="after restart")["seqs"] == [len(FAMILY)]
        slots = b.data("probe", session="kept", about="ibuprofen")["slots"]
        assert seqs[CONSTRAINT] in {s["seq"] for s in slots}  # the slots were rebuilt
        assert b.data("probe", session="scratch", about="x")["slots"] == []  # nothing written
        b.data("remember", session="scratch", text="The pool size is 40.")  # created: window
        message = b.error("probe", session="scratch", about="anything")
        assert message.split(": ", 1)[1].startswith("session:") and "slots" in message


# -- streamable HTTP -----------------------------------------------------------------------
def wait_for_port(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mcp server exited {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("mcp server did not listen within 120 s")


@pytest.mark.slow
def test_streamable_http_round_trip(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "server.log"
    args = mcp_args("--transport", "http", "--port", str(port), "--data-dir", str(tmp_path))
    with open(log, "ab") as errlog:
        proc = subprocess.Popen(
            [sys.executable, *args], env=child_env(), cwd=ROOT, stdout=errlog, stderr=errlog
        )
    try:
        wait_for_port(proc, port, log)

        async def main() -> tuple[dict[str, Any], CallToolResult]:
            async with (
                streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write),
                ClientSession(read, write, read_timeout_seconds=TIMEOUT) as session,
            ):
                await session.initialize()
                receipt = await session.call_tool(
                    "append_events", {"session": "web", "events": FAMILY[:3]}
                )
                ctx = await session.call_tool("context", {"session": "web", "query": "ibuprofen"})
                assert receipt.structured_content is not None
                return receipt.structured_content, ctx

        receipt, ctx = anyio.run(main)
        assert receipt["seqs"] == [0, 1, 2]
        assert not ctx.is_error and "ibuprofen" in line_with(text_of(ctx), CONSTRAINT)
    finally:
        stop(proc)


# -- remote: `ssmem serve` behind the MCP server -------------------------------------------
@pytest.mark.slow
def test_remote_mode_writes_to_the_service_session_of_that_name(tmp_path: Path) -> None:
    admin = secrets.token_hex(16)
    proc, url = start_server(str(tmp_path / "serve"), admin)
    try:
        key = Client(url).create_tenant("mcp-agent", admin)
        with agent(tmp_path / "mcp.log", "--url", url, "--api-key", key) as a:
            seqs = tell_family(a, "remote-family")
            text = text_of(a.ok("context", session="remote-family", query="on-call number"))
            assert "555-0199" in line_with(text, seqs[NEW_VALUE])
            slots = a.data("probe", session="remote-family", about="ibuprofen")["slots"]
            assert seqs[CONSTRAINT] in {s["seq"] for s in slots}
            message = a.error("context", session="remote-family", query="q", budget=10**9)
            assert "budget:" in message and "\n" not in message
        with Client(url, key) as service:
            (session,) = [s for s in service.sessions() if s["name"] == "remote-family"]
            assert session["system"] == "hybrid" and session["events"] == len(FAMILY)
            stored = [(e.seq, e.text, e.source) for e in service.iter_events(session["id"])]
        assert stored == [(s, e["text"], e["source"]) for s, e in zip(seqs, FAMILY, strict=True)]
    finally:
        stop(proc)
