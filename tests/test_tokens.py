"""The token counter: a real tokenizer, and truncation that never exceeds n."""

from __future__ import annotations

import random

import pytest

from ssmem.tokens import TokenCounter, default_counter


def test_default_counter_is_a_real_wordpiece_tokenizer() -> None:
    c = default_counter()
    assert isinstance(c, TokenCounter)
    assert c.count("") == 0
    assert c.count("hello world") == 2
    # WordPiece splits rare words into several pieces: not a whitespace count.
    assert c.count("antidisestablishmentarianism") > 1


@pytest.mark.parametrize("keep", ["head", "tail"])
def test_truncate_contract_on_random_text(keep: str) -> None:
    c = default_counter()
    rng = random.Random(7)
    alphabet = "abc xyz 0123 $,.!? émoji🙂 日本 \n"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 120)))
        n = rng.randrange(0, 40)
        cut = c.truncate(text, n, keep=keep)
        assert c.count(cut) <= n
        assert text.startswith(cut) if keep == "head" else text.endswith(cut)
        if c.count(text) <= n:
            assert cut == text


def test_truncate_keeps_original_case_and_symbols() -> None:
    c = default_counter()
    text = "Budget: $7,200 for Atlas; owner Dara."
    assert c.truncate(text, 4, keep="head") == "Budget: $7"
    assert c.truncate(text, 3, keep="tail").endswith("Dara.")
