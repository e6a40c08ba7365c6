"""Supervision of the slot heads the objectives rely on: slot type and slot key.

- type: cross-entropy over the 8 slot types (noise included: retention = 1 - p(noise)), on
  events whose type is labelled; on events whose retention alone is labelled (real text),
  binary cross-entropy of 1 - p(noise) against it.
- key: supervised contrastive loss — events about the same thing (same gold key: a fact and
  its updates, a loop and its resolution) attract, different keys repel, values ignored.
  Only events that *name* what they are about take part: an implicit update ("bumped it to
  8") names nothing, and pulling its key onto its subject's would make it indistinguishable
  from the thread's last mention, which update attribution must point at.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ssmem.compressor.store.slots import TYPES
from ssmem.compressor.write.model import Heads
from ssmem.train.data import Batch

NOISE = TYPES.index("noise")
TAU = 0.1
MAX_KEYED = 256  # keyed events sampled per stream (bounded cost)


def type_loss(heads: Heads, batch: Batch) -> Tensor:
    B, L = batch.mask.shape
    target = batch.padded("type_id")
    typed = batch.known("type_known")
    ce = F.cross_entropy(heads.type_logits.reshape(B * L, -1), target.reshape(-1), reduction="none")
    kept = batch.known("keep_known") & ~typed
    log_p = F.log_softmax(heads.type_logits, dim=-1)
    log_noise = log_p[..., NOISE]
    log_keep = torch.logsumexp(torch.cat([log_p[..., :NOISE], log_p[..., NOISE + 1 :]], -1), -1)
    keep = batch.padded("keep")
    bce = -(keep * log_keep + (1 - keep) * log_noise)
    total = (ce * typed.reshape(-1)).sum() + (bce * kept).sum()
    return total / (typed.sum() + kept.sum()).clamp(min=1)


def key_loss(heads: Heads, batch: Batch, generator: torch.Generator | None = None) -> Tensor:
    losses = []
    for b, e in enumerate(batch.examples):
        idx = torch.nonzero(e.names).squeeze(1)  # keyed events that name their subject
        if idx.numel() < 2:
            continue
        if idx.numel() > MAX_KEYED:
            idx = idx[torch.randperm(idx.numel(), generator=generator)[:MAX_KEYED]]
        k = heads.key[b, idx]
        ids = e.key_id[idx]
        logits = k @ k.T / TAU
        eye = torch.eye(len(idx), dtype=torch.bool)
        logits = logits.masked_fill(eye, -1e9)
        pos = (ids.unsqueeze(0) == ids.unsqueeze(1)) & ~eye
        has = pos.any(dim=1)
        if not has.any():
            continue
        loss = torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~pos, -1e9), 1)
        losses.append(loss[has])
    return torch.cat(losses).mean() if losses else heads.key.sum() * 0
