"""Fixtures for the LLM layer: real packaged models (the smallest for speed) and a real
OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from ssmem.llm.models import DEFAULT_MODEL, SMALLEST_MODEL, model_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dead_url() -> str:
    """An OpenAI-style URL on a free local port where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.fixture(scope="session")
def small_backend():
    """SmolLM2-135M, loaded once: real llama.cpp inference, fast enough for unit tests."""
    from ssmem.llm import load_backend

    return load_backend(SMALLEST_MODEL, n_ctx=2048)


@pytest.fixture(scope="session")
def reader_counter():
    """The default reader's own tokenizer (vocab only)."""
    from ssmem.llm.tokenizer import reader_counter as rc

    return rc(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """`python -m llama_cpp.server` serving the smallest packaged model; yields its /v1 URL."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path(SMALLEST_MODEL)),
        "--model_alias", SMALLEST_MODEL,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "1", "--verbose", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {proc.stderr.read()[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not start within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
