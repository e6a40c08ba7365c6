"""The selective scan h_t = exp(Δ_t·A) ⊙ h_{t-1} + Δ_t·B_t·u_t,  y_t = C_t·h_t + D·u_t,
three ways: a sequential reference (the test oracle), a chunked scan, and one streaming step.

Shapes: u, delta (B, L, Di); A (Di, N); Bm, Cm (B, L, N); D (Di); h (B, Di, N).
Every path clamps the per-step log-decay Δ·A at `log_decay_min` (see `log_decay`), so the
three compute the same function. Every path takes an initial state and returns the final one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def log_decay(delta: Tensor, A: Tensor, log_decay_min: float) -> Tensor:
    """Per-step log-decay Δ·A, clamped below: (..., Di) x (Di, N) -> (..., Di, N), all <= 0."""
    return torch.clamp(delta.unsqueeze(-1) * A, min=log_decay_min)


def _zeros_state(u: Tensor, A: Tensor) -> Tensor:
    return u.new_zeros(u.shape[0], A.shape[0], A.shape[1])


def reference_scan(
    u: Tensor,
    delta: Tensor,
    A: Tensor,
    Bm: Tensor,
    Cm: Tensor,
    D: Tensor,
    h0: Tensor | None = None,
    *,
    log_decay_min: float,
) -> tuple[Tensor, Tensor]:
    """One time step at a time, as in mamba-minimal: slow and obvious. Returns (y, h_L)."""
    h = _zeros_state(u, A) if h0 is None else h0
    dA = torch.exp(log_decay(delta, A, log_decay_min))  # (B, L, Di, N)
    dBu = (delta * u).unsqueeze(-1) * Bm.unsqueeze(2)  # (B, L, Di, N)
    ys = []
    for t in range(u.shape[1]):
        h = dA[:, t] * h + dBu[:, t]  # (B, Di, N)
        ys.append(torch.einsum("bdn,bn->bd", h, Cm[:, t]))
    y = torch.stack(ys, dim=1) if ys else u.new_zeros(u.shape)  # (B, L, Di)
    return y + D * u, h


def chunked_scan(
    u: Tensor,
    delta: Tensor,
    A: Tensor,
    Bm: Tensor,
    Cm: Tensor,
    D: Tensor,
    h0: Tensor | None = None,
    *,
    log_decay_min: float,
    chunk_size: int = 16,
    block_len: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The same scan, vectorised within chunks of `chunk_size` steps. Returns (y, h_L).

    Inside a chunk, with S_t = Σ_{s<=t} Δ_s·A (cumulative log-decay from the chunk start):
        h_t = exp(S_t) ⊙ (h_start + Σ_{s<=t} exp(-S_s) ⊙ Δ_s·B_s·u_s)
    -- two cumulative sums instead of a loop over time. exp(-S) is safe because the clamp
    bounds S >= chunk_size * log_decay_min >= -85, and exp(±85) is inside float32's normal
    range. Only
    the chunk-start states h_start are carried by a loop, one iteration per chunk. The
    sequence is processed in blocks of `block_len` steps (a multiple of the chunk) so the
    (B, block, Di, N) temporaries stay cache-sized; None picks ~256k elements per block.
    """
    Bsz, L, Di = u.shape
    N = A.shape[1]
    T = chunk_size
    if T < 1 or T * -log_decay_min > 85:
        raise ValueError(f"chunk_size {T} with log_decay_min {log_decay_min} overflows float32")
    if block_len is None:
        block_len = max(1, (1 << 18) // max(1, Bsz * Di * N * T)) * T
    elif block_len < 1 or block_len % T:
        raise ValueError(f"block_len {block_len} must be a positive multiple of {T}")
    h = _zeros_state(u, A) if h0 is None else h0
    ys = []
    for start in range(0, L, block_len):
        y_blk, h = _scan_block(
            u[:, start : start + block_len],
            delta[:, start : start + block_len],
            A,
            Bm[:, start : start + block_len],
            Cm[:, start : start + block_len],
            h,
            T,
            log_decay_min,
        )
        ys.append(y_blk)
    y = torch.cat(ys, dim=1) if ys else u.new_zeros(u.shape)
    return y + D * u, h


def _scan_block(
    u: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, h: Tensor, T: int, floor: float
) -> tuple[Tensor, Tensor]:
    """Chunked scan of one block (no D skip). A ragged tail is padded with Δ = 0, u = 0:
    decay 1 and no input, so the padded steps leave the state exactly as it was."""
    Bsz, L, Di = u.shape
    N = A.shape[1]
    pad = -L % T
    if pad:
        u, delta = F.pad(u, (0, 0, 0, pad)), F.pad(delta, (0, 0, 0, pad))
        Bm, Cm = F.pad(Bm, (0, 0, 0, pad)), F.pad(Cm, (0, 0, 0, pad))
    nc = (L + pad) // T
    S = log_decay(delta, A, floor).view(Bsz, nc, T, Di, N).cumsum(dim=2)  # (B, nc, T, Di, N)
    dBu = ((delta * u).unsqueeze(-1) * Bm.unsqueeze(2)).view(Bsz, nc, T, Di, N)
    decay = torch.exp(S)  # decay from the chunk start to step t
    local = torch.cumsum(torch.exp(-S) * dBu, dim=2)  # state at t if h_start were 0, / decay
    chunk_decay = decay[:, :, -1]  # (B, nc, Di, N)
    chunk_input = local[:, :, -1] * chunk_decay  # what a chunk adds to a zero state
    starts = []
    for c in range(nc):  # one iteration per chunk: carry the state across chunk borders
        starts.append(h)
        h = chunk_decay[:, c] * h + chunk_input[:, c]
    h_start = torch.stack(starts, dim=1).unsqueeze(2)  # (B, nc, 1, Di, N)
    hs = decay * (local + h_start)  # (B, nc, T, Di, N): the state after every step
    y = torch.einsum("bctdn,bctn->bctd", hs, Cm.view(Bsz, nc, T, N)).reshape(Bsz, nc * T, Di)
    return y[:, :L], h


def step_scan(
    u: Tensor,
    delta: Tensor,
    A: Tensor,
    Bm: Tensor,
    Cm: Tensor,
    D: Tensor,
    h0: Tensor | None = None,
    *,
    log_decay_min: float,
) -> tuple[Tensor, Tensor]:
    """One streaming step: inputs of length L = 1, O(1) work and memory. Returns (y, h)."""
    if u.shape[1] != 1:
        raise ValueError(f"step_scan takes one time step, got L={u.shape[1]}")
    h = _zeros_state(u, A) if h0 is None else h0
    u1, d1 = u[:, 0], delta[:, 0]  # (B, Di)
    dA = torch.exp(log_decay(d1, A, log_decay_min))  # (B, Di, N)
    h = torch.addcmul(dA * h, (d1 * u1).unsqueeze(-1), Bm[:, 0].unsqueeze(1))
    y = torch.bmm(h, Cm[:, 0].unsqueeze(-1)).squeeze(-1)  # (B, Di)
    return (y + D * u1).unsqueeze(1), h
