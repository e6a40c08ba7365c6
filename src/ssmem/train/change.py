"""Objective 4 — change sensitivity: memory must not keep asserting a value after its update.

Two parts. (a) The update head learns which events replace an earlier value (BCE). (b) An
update's key must be nearer to the event it supersedes than to any other earlier event
(margin ranking), so the materializer overwrites that slot instead of keeping both — the
stale-memory failure this objective penalises.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ssmem.compressor.write.model import Heads
from ssmem.train.data import Batch

MARGIN = 0.3


def change_loss(heads: Heads, batch: Batch) -> Tensor:
    B, L = batch.mask.shape
    target = torch.zeros(B, L)
    ranking = []
    for b, e in enumerate(batch.examples):
        target[b, : e.length] = e.update
        old = torch.nonzero(e.superseded_by >= 0).squeeze(1)
        if old.numel() == 0:
            continue
        new = e.superseded_by[old]
        k = heads.key[b, : e.length]
        sims = k[new] @ k.T  # (P, L): each update against every event
        pos = sims[torch.arange(len(old)), old]
        earlier = torch.arange(e.length).unsqueeze(0) < new.unsqueeze(1)
        other = earlier & (e.key_id.unsqueeze(0) != e.key_id[old].unsqueeze(1))
        hardest = sims.masked_fill(~other, -2.0).max(dim=1).values
        ranking.append(F.relu(MARGIN - pos + hardest))
    bce = F.binary_cross_entropy_with_logits(heads.update, target, reduction="none")
    bce = (bce * batch.mask).sum() / batch.mask.sum()
    rank = torch.cat(ranking).mean() if ranking else bce * 0
    return bce + rank
