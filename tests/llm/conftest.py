"""Fixtures for the LLM layer: real packaged models (the smallest for speed) and a real
OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from ssmem.llm.models import DEFAULT_MODEL, SMALLEST_MODEL


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
