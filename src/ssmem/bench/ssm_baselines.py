"""What the SSM is compared with in `ssmem bench-ssm`: a causal Transformer layer with a KV
cache (per-step cost and memory grow with history). The GRU is torch.nn.GRU itself.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class KVCache:
    """Preallocated keys/values for `max_len` steps of a batch: (B, H, max_len, head_dim)."""

    def __init__(self, batch: int, n_head: int, head_dim: int, max_len: int) -> None:
        self.k = torch.zeros(batch, n_head, max_len, head_dim)
        self.v = torch.zeros(batch, n_head, max_len, head_dim)
        self.pos = 0

    @property
    def nbytes(self) -> int:
        """Bytes the cache holds for the steps seen so far (it grows by 2·d_model per step)."""
        return 2 * self.k[:, :, : self.pos].numel() * self.k.element_size()


class CausalTransformerLayer(nn.Module):
    """Pre-norm causal self-attention + 4x MLP, with a full-sequence and a cached step path."""

    def __init__(self, d_model: int, n_head: int) -> None:
        super().__init__()
        if d_model % n_head:
            raise ValueError(f"d_model {d_model} is not divisible by n_head {n_head}")
        self.n_head, self.head_dim = n_head, d_model // n_head
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model)
        )

    def _heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        B, L, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
        return tuple(t.view(B, L, self.n_head, self.head_dim).transpose(1, 2) for t in (q, k, v))

    def forward(self, x: Tensor) -> Tensor:
        """x (B, L, D) -> (B, L, D), causal."""
        q, k, v = self._heads(x)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, L, hd)
        x = x + self.proj(a.transpose(1, 2).reshape(x.shape))
        return x + self.mlp(self.ln2(x))

    def step(self, x_t: Tensor, cache: KVCache) -> Tensor:
        """x_t (B, D) -> (B, D); appends this step's key/value to `cache`."""
        x = x_t.unsqueeze(1)
        q, k, v = self._heads(x)
        p = cache.pos
        cache.k[:, :, p : p + 1] = k
        cache.v[:, :, p : p + 1] = v
        cache.pos = p + 1
        a = F.scaled_dot_product_attention(q, cache.k[:, :, : p + 1], cache.v[:, :, : p + 1])
        x = x + self.proj(a.transpose(1, 2).reshape(x.shape))
        return (x + self.mlp(self.ln2(x))).squeeze(1)
