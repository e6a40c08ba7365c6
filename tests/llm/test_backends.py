"""Backends behind one contract: the local model (real llama.cpp), the fake, and load_backend."""

from __future__ import annotations

import pytest

from ssmem.llm import BackendError, Completion, LLMBackend, load_backend
from ssmem.llm.fake import FakeBackend
from ssmem.llm.reader import ABSTAIN, build_messages, is_abstention, read_answer

MESSAGES = [{"role": "user", "content": "Say the word apple."}]


def test_local_backend_is_deterministic_and_counts_usage(small_backend):
    assert isinstance(small_backend, LLMBackend)
    a = small_backend.complete(MESSAGES, max_tokens=8)
    b = small_backend.complete(MESSAGES, max_tokens=8)
    assert isinstance(a, Completion) and a.text == b.text and a.text
    assert 0 < a.completion_tokens <= 8
    # the template adds role markers around the user text
    assert a.prompt_tokens > small_backend.counter.count(MESSAGES[0]["content"])
    assert a.latency_s > 0


def test_prompt_longer_than_context_is_a_one_line_error(small_backend):
    long = [{"role": "user", "content": "word " * 3000}]
    with pytest.raises(BackendError, match="smollm2-135m") as err:
        small_backend.complete(long, max_tokens=4)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "bad",
    [[], [{"role": "robot", "content": "x"}], [{"role": "user"}], [{"role": "user", "content": 3}]],
)
def test_malformed_messages_are_rejected(bad):
    with pytest.raises(BackendError):
        FakeBackend().complete(bad)


def test_load_backend_errors_name_the_problem(monkeypatch):
    with pytest.raises(BackendError, match="unknown backend 'gpt9'"):
        load_backend("gpt9")
    with pytest.raises(BackendError, match="bad option"):
        load_backend("local", temperature_typo=1)
    monkeypatch.delenv("SSMEM_OPENAI_BASE_URL", raising=False)
    with pytest.raises(BackendError, match="SSMEM_OPENAI_BASE_URL"):
        load_backend("openai", model="m")


def test_reader_prompt_and_abstention():
    msgs = build_messages("[#3] Ana: budget is $5", "What is the budget?")
    assert msgs[0]["role"] == "system" and ABSTAIN in msgs[0]["content"]
    assert "[#3] Ana: budget is $5" in msgs[1]["content"]
    assert msgs[1]["content"].endswith("Question: What is the budget?")
    fake = FakeBackend(reply=lambda m: m[-1]["content"].split("\n")[1])
    assert read_answer(fake, "[#3] x", "q").text == "[#3] x"
    assert is_abstention("Not in memory.") and is_abstention("")
    assert not is_abstention("$7,500 [#3]")
