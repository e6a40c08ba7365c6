"""The compressor network: event vectors -> selective SSM -> per-event decision heads.

Glossary (what each head is for; the materializer turns them into memory):
- `type_logits` (8): fact / entity / constraint / task / decision / open_question /
  resolution / noise. Retention = 1 - p(noise).
- `key` (d_key, unit norm): what the event is about. Trained so that an update lands next to
  the fact it supersedes (and a resolution next to the loop it closes); values do not move it.
- `update` (logit): this event replaces the value of something already held.
- `utility` (logit): a later question will need this event (task-conditioned objective).
- `recon` (d_in): the prediction of the *next* event's vector from the state so far; its
  error on the actual next event is the surprise signal.
- `query_key(q)`: a query's vector in key space (contrastive retrieval-of-state).
- `names` (logit): the event names what it is about ("Atlas budget is now $9k"), or it does
  not ("they bumped it to 450") — learned update attribution, part one.
- `attach` (d_key, unit norm): for an event that does not name its subject, which earlier
  event did — its key is nearest — part two. Both see the state, so "they bumped it to 450"
  can point at the thread the conversation is on. `zero_attach_state` (an ablation switch,
  not a config) hides the state from these two heads only.

`recurrent=False` swaps the SSM for a per-event MLP of the same width: the ablation that
shows what the state buys. Everything else is identical.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssmem.compressor.write.features import D_IN, EMBED_DIM
from ssmem.ssm.config import MambaConfig
from ssmem.ssm.model import MambaModel
from ssmem.ssm.state import SSMState

N_TYPES = 8


@dataclass
class CompressorConfig:
    d_in: int = D_IN
    d_model: int = 64
    n_layer: int = 2
    d_state: int = 16
    d_key: int = 64
    recurrent: bool = True  # False: per-event MLP ablation (no state)
    mamba: MambaConfig = field(init=False)

    def __post_init__(self) -> None:
        self.mamba = MambaConfig(d_model=self.d_model, n_layer=self.n_layer, d_state=self.d_state)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["mamba"]
        return data


@dataclass
class Heads:
    """Per-event outputs, each (B, L, ...)."""

    type_logits: Tensor
    key: Tensor
    update: Tensor
    utility: Tensor
    recon: Tensor
    hidden: Tensor
    attach: Tensor
    names: Tensor


class CompressorNet(nn.Module):
    def __init__(self, config: CompressorConfig) -> None:
        super().__init__()
        self.config = c = config
        self.in_proj = nn.Linear(c.d_in, c.d_model)
        if c.recurrent:
            self.core: nn.Module = MambaModel(c.mamba)
        else:
            self.core = nn.Sequential(
                nn.Linear(c.d_model, 2 * c.d_model), nn.SiLU(), nn.Linear(2 * c.d_model, c.d_model)
            )
        d_feat = c.d_model + c.d_in  # heads see the state's output and the event itself
        self.type_head = nn.Linear(d_feat, N_TYPES)
        self.key_head = nn.Sequential(nn.Linear(d_feat, 128), nn.SiLU(), nn.Linear(128, c.d_key))
        self.attach_head = nn.Sequential(nn.Linear(d_feat, 128), nn.SiLU(), nn.Linear(128, c.d_key))
        self.names_head = nn.Linear(d_feat, 1)
        self.zero_attach_state = False
        self.update_head = nn.Linear(d_feat, 1)
        self.utility_head = nn.Linear(d_feat, 1)
        self.recon_head = nn.Linear(c.d_model, c.d_in)
        self.query_head = nn.Sequential(
            nn.Linear(EMBED_DIM, 128), nn.SiLU(), nn.Linear(128, c.d_key)
        )

    def zero_state(self, batch: int) -> SSMState | None:
        return self.core.zero_state(batch) if self.config.recurrent else None

    def forward(self, x: Tensor, state: SSMState | None = None) -> tuple[Heads, SSMState | None]:
        """x (B, L, d_in) -> heads for every event, and the final state (None if no state)."""
        u = self.in_proj(x)  # (B, L, d_model)
        if self.config.recurrent:
            h, state = self.core(u, state)
        else:
            h = u + self.core(u)
        return self._heads(h, x), state

    def step(self, x_t: Tensor, state: SSMState | None) -> tuple[Heads, SSMState | None]:
        """One event for B streams: x_t (B, d_in). Same function as `forward`."""
        u = self.in_proj(x_t)
        if self.config.recurrent:
            h, state = self.core.step(u, state)
        else:
            h = u + self.core(u)
        heads = self._heads(h.unsqueeze(1), x_t.unsqueeze(1))
        return heads, state

    def _heads(self, h: Tensor, x: Tensor) -> Heads:
        feat = torch.cat([h, x], dim=-1)
        attach_in = torch.cat([torch.zeros_like(h), x], dim=-1) if self.zero_attach_state else feat
        return Heads(
            type_logits=self.type_head(feat),
            key=F.normalize(self.key_head(feat), dim=-1),
            update=self.update_head(feat).squeeze(-1),
            utility=self.utility_head(feat).squeeze(-1),
            recon=self.recon_head(h),
            hidden=h,
            attach=F.normalize(self.attach_head(attach_in), dim=-1),
            names=self.names_head(attach_in).squeeze(-1),
        )

    def query_key(self, q: Tensor) -> Tensor:
        """q (N, 384) static query embeddings -> (N, d_key) unit vectors in key space."""
        return F.normalize(self.query_head(q), dim=-1)
