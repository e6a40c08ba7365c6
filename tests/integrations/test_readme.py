"""The integration examples of docs/integrations.md run as written: the MCP client config
starts a server an SDK client can use, the proxy's shell lines and OpenAI client code work
against a real upstream, and the LangChain / LlamaIndex setups work in a conversation turn."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ssmem.integrations.sessions import LocalSessions
from ssmem.llm.models import SMALLEST_MODEL

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "integrations.md"
BIN = Path(sys.executable).parent  # the venv's scripts: `ssmem` as the page runs it


def section() -> str:
    return PAGE.read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section(), re.S)


def run_python(code: str, env: dict[str, str] | None = None, **names: object) -> str:
    out = io.StringIO()
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), dict(names))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return out.getvalue()


def test_the_section_has_one_example_per_integration():
    assert len(blocks("json")) == 1 and len(blocks("bash")) == 1
    assert len(blocks("python")) == 3  # the proxy's client, LangChain, LlamaIndex


@pytest.mark.slow
def test_the_mcp_client_config_starts_a_server_the_sdk_can_use(tmp_path: Path):
    from mcp import ClientSession, StdioServerParameters, stdio_client

    server = json.loads(blocks("json")[0])["mcpServers"]["ssmem"]
    args = list(server["args"])
    args[args.index("--data-dir") + 1] = str(tmp_path / "memory")
    params = StdioServerParameters(command=str(BIN / server["command"]), args=args)

    async def use() -> str:
        with open(tmp_path / "mcp.log", "w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                await session.call_tool(
                    "remember", {"session": "me", "text": "The gate code is 4719."}
                )
                got = await session.call_tool("context", {"session": "me", "query": "gate code"})
                return got.content[0].text

    assert "[#0] The gate code is 4719." in asyncio.run(use())


@pytest.mark.slow
def test_the_proxy_lines_and_client_code_work(tmp_path: Path, llama_server: str):
    serve, export = blocks("bash")[0].strip().splitlines()
    argv = shlex.split(serve.split("#")[0])
    argv[argv.index("--upstream") + 1] = llama_server
    port = argv[argv.index("--port") + 1]
    argv += ["--model", SMALLEST_MODEL, "--data-dir", str(tmp_path / "memory")]
    env = dict(kv.split("=", 1) for kv in shlex.split(export)[1:])
    assert env["OPENAI_BASE_URL"] == f"http://127.0.0.1:{port}/v1"
    with open(tmp_path / "proxy.log", "wb") as log:
        proc = subprocess.Popen([str(BIN / argv[0]), *argv[1:]], stderr=log, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "proxy.log").read_text()[-2000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the proxy did not start"
            time.sleep(0.1)
        printed = run_python(blocks("python")[0], env)
        assert printed.strip()  # the upstream's reply, through the proxy
    finally:
        proc.terminate()
        proc.wait(timeout=30)  # writes behind finish on shutdown
    memory = LocalSessions(tmp_path / "memory")
    events = memory.events("lisbon-trip")
    memory.close()
    assert events[0]["text"].startswith("Leo is allergic to peanuts")
    assert [e["meta"]["role"] for e in events] == ["user", "assistant"]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_langchain_lines_work_in_a_conversation(tmp_path: Path, monkeypatch):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    monkeypatch.chdir(tmp_path)  # the example's ./ssmem-data
    llm = FakeListChatModel(responses=["Noted.", "No peanuts, then."])
    names = {"llm": llm}
    code = blocks("python")[1]
    code += (
        "\nconfig = {'configurable': {'session_id': 'user-42'}}"
        '\nchat.invoke("I\'m allergic to peanuts.", config)'
        "\nprint(chat.invoke('Any snack ideas?', config).content)"
    )
    assert run_python(code, **names).strip() == "No peanuts, then."
    memory = LocalSessions(tmp_path / "ssmem-data")
    texts = [e["text"] for e in memory.events("user-42")]
    memory.close()
    assert texts == ["I'm allergic to peanuts.", "Noted.", "Any snack ideas?", "No peanuts, then."]


@pytest.mark.slow
def test_the_llamaindex_lines_work_in_a_chat_engine(tmp_path: Path, monkeypatch):
    from llama_index.core.chat_engine import SimpleChatEngine
    from llama_index.core.llms import MockLLM

    monkeypatch.chdir(tmp_path)
    code = blocks("python")[2]
    code += (
        "\nfrom llama_index.core.base.llms.types import ChatMessage"
        "\nmemory.put_messages([ChatMessage(role='user', content='I get seasick.')])"
        "\nimport asyncio"
        "\nasyncio.run(block.aput(memory.get_all(), session_id='trip'))"
        "\nengine = SimpleChatEngine.from_defaults(llm=llm, memory=memory)"
        "\nengine.chat('Any boat tours?')"
        "\nprint(memory.get(input='Any boat tours?')[0].content)"
    )
    printed = run_python(code, llm=MockLLM(max_tokens=4), SimpleChatEngine=SimpleChatEngine)
    assert "[#0] user: I get seasick." in printed
