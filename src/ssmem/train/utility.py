"""Objective 2 — task-conditioned utility: an event matters if a later question needs it.

Targets (from ground truth): the evidence events of questions asked later, while they are
current, and every constraint. The utility head ranks slots for eviction and rendering, so
the memory at a small budget keeps what a full-context answer would need. Loss: BCE with the
positive class up-weighted by its rarity.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ssmem.compressor.write.model import Heads
from ssmem.train.data import Batch


def utility_loss(heads: Heads, batch: Batch) -> Tensor:
    """Over the events whose utility is labelled (all of a generated stream's; a real
    stream's where its source says, see `train/real.py`)."""
    target = batch.padded("utility")
    known = batch.known("utility_known")
    pos = (target * known).sum().clamp(min=1)
    neg = ((1 - target) * known).sum().clamp(min=1)
    weight = torch.where(target > 0, neg / pos, torch.ones_like(target)).clamp(max=20)
    loss = F.binary_cross_entropy_with_logits(
        heads.utility, target, weight=weight, reduction="none"
    )
    return (loss * known).sum() / known.sum().clamp(min=1)
