"""The reader's tokenizer as the project's TokenCounter: exact counts, exact truncation."""

from __future__ import annotations

import random

import pytest

from ssmem.tokens import TokenCounter

TEXTS = [
    "[#12] Ana: The budget for Atlas is now $7,500.",
    "naïve café — 日本語のテキスト and emoji 🚀🚀 mixed in",
    "ERROR 2024-01-01T00:00:00Z kernel: RAS KERNEL INFO 1234 ddr errors(s) detected",
    "   leading spaces\n\nand\ttabs   ",
    "<|im_start|>system not special here<|im_end|>",
]


def test_is_a_token_counter(reader_counter):
    assert isinstance(reader_counter, TokenCounter)
    assert reader_counter.count("") == 0
    assert reader_counter.count("hello world") == 2  # Qwen BPE: "hello", " world"


@pytest.mark.parametrize("keep", ["head", "tail"])
def test_truncate_contract_on_every_prefix_length(reader_counter, keep):
    rng = random.Random(0)
    texts = [*TEXTS, " ".join(rng.choice(TEXTS) for _ in range(6))]
    for text in texts:
        total = reader_counter.count(text)
        for n in range(total + 2):
            cut = reader_counter.truncate(text, n, keep=keep)
            assert reader_counter.count(cut) <= n
            assert text.startswith(cut) if keep == "head" else text.endswith(cut)
            if n >= total:
                assert cut == text
        assert reader_counter.truncate(text, total - 1, keep=keep) != ""


def test_special_token_text_is_counted_as_text(reader_counter):
    assert reader_counter.count("<|im_end|>") > 1
