"""The reader's own tokenizer as a `TokenCounter`, so "512 tokens" means 512 reader tokens.

Backed by llama.cpp's tokenizer (a GGUF opened with `vocab_only=True` loads no weights).
Truncation cuts the original string at token boundaries (byte offsets of the token pieces),
then re-counts and backs off until ``count(truncate(text, n)) <= n`` holds.
"""

from __future__ import annotations

import atexit
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any

from ssmem.tokens import Side

_OPEN: weakref.WeakSet[Any] = weakref.WeakSet()


def track(llama: Any) -> Any:
    """Close `llama` at interpreter exit, while the modules its destructor needs still exist
    (otherwise llama-cpp-python prints an ignored TypeError from `__del__`)."""
    _OPEN.add(llama)
    return llama


@atexit.register
def _close_all() -> None:
    for llama in list(_OPEN):
        llama.close()


class LlamaTokenCounter:
    """Counts with a `llama_cpp.Llama` tokenizer (no BOS, special tokens parsed as text)."""

    def __init__(self, llama: Any, name: str) -> None:
        self._llama = llama
        self.name = name

    @classmethod
    def from_gguf(cls, path: str | Path, name: str | None = None) -> LlamaTokenCounter:
        from llama_cpp import Llama

        llama = track(Llama(str(path), vocab_only=True, verbose=False))
        return cls(llama, name or Path(path).stem)

    def _ids(self, text: str) -> list[int]:
        return self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def count(self, text: str) -> int:
        return len(self._ids(text)) if text else 0

    def count_many(self, texts: list[str]) -> list[int]:
        return [self.count(t) for t in texts]

    def truncate(self, text: str, n: int, keep: Side = "head") -> str:
        if n <= 0 or not text:
            return ""
        ids = self._ids(text)
        if len(ids) <= n:
            return text
        pieces = [self._llama.detokenize([i]) for i in ids]
        raw = text.encode("utf-8")
        exact = b"".join(pieces) == raw  # byte-level BPE: pieces tile the input exactly
        k = n
        while k > 0:
            chosen = pieces[:k] if keep == "head" else pieces[len(pieces) - k :]
            data = b"".join(chosen)
            if exact:
                data = raw[: len(data)] if keep == "head" else raw[len(raw) - len(data) :]
            cut = data.decode("utf-8", errors="ignore")  # drops a split multi-byte char
            if self.count(cut) <= n:
                return cut
            k -= 1
        return ""


@lru_cache(maxsize=4)
def reader_counter(model: str | None = None) -> LlamaTokenCounter:
    """The tokenizer of a registry model (default: the default reader), weights not loaded."""
    from ssmem.llm.models import DEFAULT_MODEL, model_path

    name = model or DEFAULT_MODEL
    return LlamaTokenCounter.from_gguf(model_path(name), name=f"{name}-tokenizer")
