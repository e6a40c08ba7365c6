"""The OpenAI-compatible backend against a REAL server (llama-cpp-python's, on 127.0.0.1,
serving the smallest packaged model), through the official `openai` client."""

from __future__ import annotations

import pytest

from ssmem.llm import BackendError, load_backend
from ssmem.llm.models import SMALLEST_MODEL
from ssmem.llm.reader import read_answer

pytestmark = pytest.mark.slow  # starts a server process (a few seconds)


def test_answers_through_the_openai_client(llama_server, small_backend):
    backend = load_backend(
        "openai", base_url=llama_server, model=SMALLEST_MODEL, tokenizer=SMALLEST_MODEL
    )
    assert backend.counter.count("hello world") == small_backend.counter.count("hello world")
    got = read_answer(backend, "[#1] Ana: The budget for Atlas is $7,500.", "What is the budget?")
    assert got.text and got.prompt_tokens > 0 and got.completion_tokens > 0
    # same model, same greedy decoding: the server agrees with the in-process backend
    local = read_answer(
        small_backend, "[#1] Ana: The budget for Atlas is $7,500.", "What is the budget?"
    )
    assert got.text == local.text


def test_env_configuration(llama_server, monkeypatch):
    monkeypatch.setenv("SSMEM_OPENAI_BASE_URL", llama_server)
    monkeypatch.setenv("SSMEM_OPENAI_MODEL", SMALLEST_MODEL)
    backend = load_backend("openai")
    assert backend.complete([{"role": "user", "content": "Hi"}], max_tokens=4).text


def test_missing_model_is_a_one_line_error_listing_served_models(llama_server):
    backend = load_backend("openai", base_url=llama_server, model="no-such-model")
    with pytest.raises(BackendError, match=f"'no-such-model' is not served.*{SMALLEST_MODEL}"):
        backend.complete([{"role": "user", "content": "Hi"}])


def test_endpoint_down_is_a_one_line_error_after_retries(dead_url):
    url = dead_url
    backend = load_backend("openai", base_url=url, model="m", max_retries=1, timeout_s=2)
    with pytest.raises(BackendError, match=r"cannot connect \(1 retries\)") as err:
        backend.complete([{"role": "user", "content": "Hi"}])
    assert url in str(err.value) and "\n" not in str(err.value)


def test_ask_cli_through_the_endpoint(llama_server, tmp_path, capsys, monkeypatch):
    import json

    from ssmem.cli.main import main

    monkeypatch.setenv("SSMEM_OPENAI_TOKENIZER", SMALLEST_MODEL)
    stream = tmp_path / "s.jsonl"
    stream.write_text('{"text": "The budget for Atlas is now $7,500.", "source": "Ana"}\n')
    query = "What is the budget for Atlas?"
    main(["ask", "--backend", "openai", "--base-url", llama_server, "--model", SMALLEST_MODEL,
          "--budget", "200", "--query", query, "--json", str(stream)])  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["answer"] and 0 < data["prompt_tokens"] <= 200
