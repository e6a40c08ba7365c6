"""The selective state-space model (Mamba-1): a stack of residual blocks mapping a sequence of
d_model vectors to a sequence of d_model vectors, with a fixed-size recurrent state.

Read top to bottom: RMSNorm, the causal conv, one MambaBlock, then MambaModel. The scan
itself lives in scan.py (reference, chunked, one step -- the same function three ways); the
state each layer carries is its last d_conv-1 conv inputs (B, K-1, Di) and h (B, N, Di).

Glossary (code name -> paper symbol, Gu & Dao 2023):
    d_model  D     residual width         d_inner  E·D   expanded width (channels)
    d_state  N     state size / channel   dt_rank  R     rank of the Δ projection
    delta    Δ     input-dependent step   A_log    log(-A): A = -exp(A_log), S4D-real init
    Bm, Cm   B, C  input-dependent input / output maps    D   skip connection u -> y
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssmem.ssm.config import MambaConfig
from ssmem.ssm.scan import chunked_scan, reference_scan, step_scan
from ssmem.ssm.state import SSMState

Scan = Literal["chunked", "reference"]
# Parameters with their own init that weight decay must not pull towards 0 (Mamba recipe).
NO_DECAY_SUFFIXES = (".A_log", ".D", ".dt_proj.bias")


class RMSNorm(nn.Module):
    def __init__(self, d: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.weight.shape, self.weight, self.eps)


def causal_conv(
    x: Tensor, weight: Tensor, bias: Tensor | None, state: Tensor
) -> tuple[Tensor, Tensor]:
    """Depthwise causal conv as K shifted multiply-adds (torch's conv1d backward is very slow
    on CPU). x (B, L, Di); weight (K, Di); state (B, K-1, Di) = the K-1 inputs before x.
    Returns (y (B, L, Di), the new state: the last K-1 inputs)."""
    K, L = weight.shape[0], x.shape[1]
    xp = torch.cat([state, x], dim=1)  # (B, K-1+L, Di)
    y = xp[:, 0:L] * weight[0]
    for k in range(1, K):
        y = torch.addcmul(y, xp[:, k : k + L], weight[k])
    if bias is not None:
        y = y + bias
    return y, xp[:, L:].clone()  # a copy, so the state does not pin all of xp


def causal_conv_step(
    x: Tensor, weight: Tensor, bias: Tensor | None, state: Tensor
) -> tuple[Tensor, Tensor]:
    """`causal_conv` for one step: x (B, Di) -> (y (B, Di), new state (B, K-1, Di))."""
    window = torch.cat([state, x.unsqueeze(1)], dim=1)  # (B, K, Di)
    y = (window * weight).sum(dim=1)
    return (y if bias is None else y + bias), window[:, 1:]


class MambaBlock(nn.Module):
    """x + out_proj(scan(silu(conv(in_proj(norm(x))))) * silu(z)): a pre-norm residual block."""

    def __init__(self, cfg: MambaConfig) -> None:
        super().__init__()
        self.cfg = cfg
        Di, N, R = cfg.d_inner, cfg.d_state, cfg.dt_rank
        self.norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.in_proj = nn.Linear(cfg.d_model, 2 * Di, bias=cfg.bias)  # -> (x, z)
        self.conv_weight = nn.Parameter(torch.empty(cfg.d_conv, Di))  # time-major, as x
        self.conv_bias = nn.Parameter(torch.empty(Di)) if cfg.conv_bias else None
        self.x_proj = nn.Linear(Di, R + 2 * N, bias=False)  # -> (Δ low-rank, B, C)
        self.dt_proj = nn.Linear(R, Di, bias=True)  # Δ = softplus(dt_proj(.)), bias sets Δ's range
        self.A_log = nn.Parameter(torch.empty(Di, N))
        self.D = nn.Parameter(torch.empty(Di))
        self.out_proj = nn.Linear(Di, cfg.d_model, bias=cfg.bias)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """The Mamba recipe. Linear layers keep torch's default init except dt_proj."""
        cfg = self.cfg
        bound = 1 / math.sqrt(cfg.d_conv)  # what nn.Conv1d would use (fan_in = K)
        self.conv_weight.uniform_(-bound, bound)
        if self.conv_bias is not None:
            self.conv_bias.uniform_(-bound, bound)
        std = cfg.dt_rank**-0.5
        self.dt_proj.weight.uniform_(-std, std)
        # Δ log-uniform in [dt_min, dt_max], stored through an inverse softplus so that
        # softplus(dt_proj.bias) == Δ at init.
        lo, hi = math.log(cfg.dt_min), math.log(cfg.dt_max)
        dt = torch.exp(torch.rand(cfg.d_inner) * (hi - lo) + lo).clamp(min=cfg.dt_init_floor)
        self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        # S4D-real: A = -(1, 2, ..., N) for every channel.
        self.A_log.copy_(torch.log(torch.arange(1, cfg.d_state + 1, dtype=torch.float32)))
        self.D.fill_(1.0)

    def forward(
        self, x: Tensor, conv_state: Tensor, ssm_state: Tensor, scan: Scan, chunk_size: int
    ) -> tuple[Tensor, Tensor, Tensor]:
        """x (B, L, d_model) -> (y (B, L, d_model), conv_state, ssm_state), states carried."""
        u, z = self.in_proj(self.norm(x)).chunk(2, dim=-1)  # (B, L, Di) each
        u, conv_state = causal_conv(u, self.conv_weight, self.conv_bias, conv_state)
        u = F.silu(u)
        delta, Bm, Cm = self._selection(u)
        args = (u, delta, -torch.exp(self.A_log), Bm, Cm, self.D, ssm_state)
        floor = self.cfg.log_decay_min
        if scan == "chunked":
            y, ssm_state = chunked_scan(*args, log_decay_min=floor, chunk_size=chunk_size)
        elif scan == "reference":
            y, ssm_state = reference_scan(*args, log_decay_min=floor)
        else:
            raise ValueError(f"unknown scan {scan!r}; expected chunked or reference")
        return x + self.out_proj(y * F.silu(z)), conv_state, ssm_state

    def step(
        self, x: Tensor, conv_state: Tensor, ssm_state: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """`forward` for one time step: x (B, d_model); same ops, O(1) work and memory."""
        u, z = self.in_proj(self.norm(x)).chunk(2, dim=-1)  # (B, Di) each
        u, conv_state = causal_conv_step(u, self.conv_weight, self.conv_bias, conv_state)
        u = F.silu(u)
        delta, Bm, Cm = self._selection(u)
        y, ssm_state = step_scan(
            u,
            delta,
            -torch.exp(self.A_log),
            Bm,
            Cm,
            self.D,
            ssm_state,
            log_decay_min=self.cfg.log_decay_min,
        )
        return x + self.out_proj(y * F.silu(z)), conv_state, ssm_state

    def _selection(self, u: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The input-dependent Δ (..., Di), B and C (..., N): what makes the scan selective."""
        R, N = self.cfg.dt_rank, self.cfg.d_state
        dt, Bm, Cm = self.x_proj(u).split([R, N, N], dim=-1)
        return F.softplus(self.dt_proj(dt)), Bm, Cm


class MambaModel(nn.Module):
    """A stack of MambaBlocks and a final RMSNorm: (B, L, d_model) -> (B, L, d_model).

    `forward` runs a whole sequence (chunked scan by default) from an optional initial state
    and returns the final state, so a long stream can be ingested chunk by chunk. `step`
    runs one time step for a batch of independent streams. Both give the same outputs.
    """

    def __init__(self, config: MambaConfig) -> None:
        super().__init__()
        self.config = config
        self.layers = nn.ModuleList(MambaBlock(config) for _ in range(config.n_layer))
        self.norm_f = RMSNorm(config.d_model, config.norm_eps)
        with torch.no_grad():  # GPT-2 style: keep the residual stream's variance O(1) at init
            for layer in self.layers:
                layer.out_proj.weight /= math.sqrt(config.n_layer)

    def zero_state(self, batch: int) -> SSMState:
        p = self.norm_f.weight
        return SSMState.zeros(self.config, batch, device=p.device, dtype=p.dtype)

    def forward(
        self,
        x: Tensor,
        state: SSMState | None = None,
        *,
        chunk_size: int | None = None,
        scan: Scan = "chunked",
    ) -> tuple[Tensor, SSMState]:
        """x (B, L, d_model) -> (y (B, L, d_model), final state). `state` is not modified."""
        cfg = self.config
        if x.dim() != 3 or x.shape[-1] != cfg.d_model:
            raise ValueError(f"expected x of shape (B, L, {cfg.d_model}), got {tuple(x.shape)}")
        state = self.zero_state(x.shape[0]) if state is None else state
        self._check_state(state, x.shape[0])
        convs, ssms = [], []
        for layer, conv, ssm in zip(self.layers, state.conv, state.ssm, strict=True):
            x, conv, ssm = layer(x, conv, ssm, scan, chunk_size or cfg.chunk_size)
            convs.append(conv)
            ssms.append(ssm)
        return self.norm_f(x), SSMState(tuple(convs), tuple(ssms))

    def step(self, x_t: Tensor, state: SSMState | None = None) -> tuple[Tensor, SSMState]:
        """One time step for B streams: x_t (B, d_model) -> (y_t (B, d_model), new state).
        `state` is not modified (the new state is a new object)."""
        if x_t.dim() != 2 or x_t.shape[-1] != self.config.d_model:
            raise ValueError(
                f"expected x_t of shape (B, {self.config.d_model}), got {tuple(x_t.shape)}"
            )
        state = self.zero_state(x_t.shape[0]) if state is None else state
        self._check_state(state, x_t.shape[0])
        convs, ssms = [], []
        for layer, conv, ssm in zip(self.layers, state.conv, state.ssm, strict=True):
            x_t, conv, ssm = layer.step(x_t, conv, ssm)
            convs.append(conv)
            ssms.append(ssm)
        return self.norm_f(x_t), SSMState(tuple(convs), tuple(ssms))

    def no_decay_param_names(self) -> list[str]:
        """Parameters to exclude from weight decay: A_log, D and the Δ bias (Mamba recipe),
        plus every other 1-D parameter (norm weights, biases)."""
        return [
            name
            for name, p in self.named_parameters()
            if name.endswith(NO_DECAY_SUFFIXES) or p.dim() < 2
        ]

    def _check_state(self, state: SSMState, batch: int) -> None:
        cfg = self.config
        if state.n_layer != cfg.n_layer or state.batch_size != batch:
            raise ValueError(
                f"state has {state.n_layer} layers x batch {state.batch_size}; "
                f"model needs {cfg.n_layer} x batch {batch}"
            )
        want_conv = (batch, cfg.d_conv - 1, cfg.d_inner)
        want_ssm = (batch, cfg.d_state, cfg.d_inner)
        if state.conv[0].shape != want_conv or state.ssm[0].shape != want_ssm:
            raise ValueError(
                f"state shapes {tuple(state.conv[0].shape)}, {tuple(state.ssm[0].shape)} "
                f"do not match the model: {want_conv}, {want_ssm}"
            )
