"""Objective 1 — reconstruction: predict the next event's vector from the state so far.

The weak baseline objective of the design: it makes the state carry the stream's content.
Its per-event error is also the surprise signal (an event the state did not expect).
Loss: 1 - cosine(recon_t, x_{t+1}[:384]) over real event pairs.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ssmem.compressor.write.features import EMBED_DIM
from ssmem.compressor.write.model import Heads
from ssmem.train.data import Batch


def reconstruction_loss(heads: Heads, batch: Batch) -> Tensor:
    pred = heads.recon[:, :-1, :EMBED_DIM]
    target = batch.x[:, 1:, :EMBED_DIM]
    valid = batch.mask[:, 1:] & batch.mask[:, :-1]
    cos = F.cosine_similarity(pred, target, dim=-1)
    return ((1 - cos) * valid).sum() / valid.sum().clamp(min=1)
