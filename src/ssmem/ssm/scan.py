"""The selective scan h_t = exp(Δ_t·A) ⊙ h_{t-1} + Δ_t·B_t·u_t,  y_t = C_t·h_t + D·u_t,
three ways: a sequential reference (the test oracle), a chunked scan, and one streaming step.

Shapes: u, delta (B, L, Di); A (Di, N); Bm, Cm (B, L, N); D (Di); state h (B, N, Di) --
channels innermost, so the C·h contraction is a fast batched (1, N) @ (N, Di) product on CPU.
Every path computes the decay as exp2 of the log2-decay Δ·A·log2(e), clamped below at
`log_decay_min`·log2(e) (see `log2_decay`): exp2 is ~3x cheaper than exp on CPU, and sharing
the one function makes the three paths the same model. Each takes an initial state and
returns the final one. Without autograd, step and chunked scan work in place (no new
(B, N, Di)-sized buffers per step); with autograd they use the same ops out of place.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

LOG2E = 1.0 / math.log(2.0)
MAX_CHUNK_LOG_DECAY = 85.0  # exp(±85) is inside float32's normal range (up to ±87.3)


def log2_decay(delta: Tensor, A: Tensor, log_decay_min: float) -> Tensor:
    """Per-step log2-decay Δ·A·log2(e), clamped below: (..., Di) x (Di, N) -> (..., N, Di)."""
    ld = delta.unsqueeze(-2) * (A.t() * LOG2E)  # a fresh buffer: clamp it in place if we may
    floor = log_decay_min * LOG2E
    return ld.clamp_(min=floor) if _inplace_ok(delta, A) else ld.clamp(min=floor)


def _zeros_state(u: Tensor, A: Tensor) -> Tensor:
    return u.new_zeros(u.shape[0], A.shape[1], A.shape[0])


def _inplace_ok(*tensors: Tensor | None) -> bool:
    return not (torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors))


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
    dA = torch.exp2(log2_decay(delta, A, log_decay_min))  # (B, L, N, Di)
    dBu = Bm.unsqueeze(-1) * (delta * u).unsqueeze(-2)  # (B, L, N, Di)
    ys = []
    for t in range(u.shape[1]):
        h = dA[:, t] * h + dBu[:, t]  # (B, N, Di)
        ys.append(torch.einsum("bn,bnd->bd", Cm[:, t], h))
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
    bounds S >= chunk_size * log_decay_min >= -85. Only the chunk-start states h_start are
    carried by a loop, one iteration per chunk. The sequence is processed in blocks of
    `block_len` steps (a multiple of the chunk) so that the (B, block, N, Di) temporaries stay
    cache-sized; None picks ~256k elements per block.
    """
    Bsz, L, Di = u.shape
    N = A.shape[1]
    T = chunk_size
    if T < 1 or T * -log_decay_min > MAX_CHUNK_LOG_DECAY:
        raise ValueError(f"chunk_size {T} with log_decay_min {log_decay_min} overflows float32")
    if block_len is None:
        block_len = max(1, (1 << 18) // max(1, Bsz * Di * N * T)) * T
    elif block_len < 1 or block_len % T:
        raise ValueError(f"block_len {block_len} must be a positive multiple of {T}")
    h = _zeros_state(u, A) if h0 is None else h0
    inplace = _inplace_ok(u, delta, A, Bm, Cm, h0)
    ys = []
    for s in range(0, L, block_len):
        e = s + block_len
        y_blk, h = _scan_block(
            u[:, s:e], delta[:, s:e], A, Bm[:, s:e], Cm[:, s:e], h, T, log_decay_min, inplace
        )
        ys.append(y_blk)
    y = torch.cat(ys, dim=1) if ys else u.new_zeros(u.shape)
    return y + D * u, h


def _scan_block(
    u: Tensor,
    delta: Tensor,
    A: Tensor,
    Bm: Tensor,
    Cm: Tensor,
    h: Tensor,
    T: int,
    floor: float,
    inplace: bool,
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
    shape = (Bsz, nc, T, N, Di)
    # Cumulative sums over the T steps of a chunk as one matmul with a lower-triangular
    # matrix of ones: far faster on CPU than torch.cumsum along a middle dimension.
    tril = torch.ones(T, T, dtype=u.dtype, device=u.device).tril_()

    def cumsum_t(x: Tensor) -> Tensor:
        return torch.matmul(tril, x.reshape(Bsz * nc, T, N * Di)).view(shape)

    S = cumsum_t(log2_decay(delta, A, floor))  # log2-decay from the chunk start to step t
    decay = torch.exp2(S)
    dBu = (Bm.unsqueeze(-1) * (delta * u).unsqueeze(-2)).view(shape)
    # exp2(-S)·Δ·B·u summed over the chunk: the state if h_start were 0, divided by decay.
    # In place (no new (B, block, N, Di) buffers) when autograd does not need S and dBu.
    weighted = dBu.mul_(S.neg_().exp2_()) if inplace else torch.exp2(-S) * dBu
    local = cumsum_t(weighted)
    chunk_decay = decay[:, :, -1]  # (B, nc, N, Di)
    chunk_input = local[:, :, -1] * chunk_decay  # what a chunk adds to a zero state
    starts = []
    for c in range(nc):  # one iteration per chunk: carry the state across chunk borders
        starts.append(h)
        h = chunk_decay[:, c] * h + chunk_input[:, c]
    h_start = torch.stack(starts, dim=1).unsqueeze(2)  # (B, nc, 1, N, Di)
    # (B, nc, T, N, Di): the state after every step
    hs = local.add_(h_start).mul_(decay) if inplace else (local + h_start) * decay
    y = torch.matmul(Cm.view(Bsz, nc, T, 1, N), hs)  # (B, nc, T, 1, Di)
    return y.view(Bsz, nc * T, Di)[:, :L], h


def step_scan(
    u: Tensor,
    delta: Tensor,
    A: Tensor,
    Bm: Tensor,
    Cm: Tensor,
    D: Tensor,
    h: Tensor,
    *,
    log_decay_min: float,
) -> tuple[Tensor, Tensor]:
    """One streaming step, O(1) work and memory: u, delta (B, Di); Bm, Cm (B, N);
    h (B, N, Di). Returns (y (B, Di), new h); `h` itself is never modified."""
    b, du = Bm.unsqueeze(-1), (delta * u).unsqueeze(-2)  # Δ·B·u = b * du: (B, N, Di)
    ld = log2_decay(delta, A, log_decay_min)  # (B, N, Di), a fresh buffer
    if _inplace_ok(u, delta, A, Bm, h):
        h = ld.exp2_().mul_(h).addcmul_(b, du)
    else:
        h = torch.addcmul(torch.exp2(ld) * h, b, du)
    y = torch.bmm(Cm.unsqueeze(1), h).squeeze(1)  # (B, Di)
    return y + D * u, h
