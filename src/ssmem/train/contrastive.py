"""Objective 3 — contrastive retrieval-of-state: a question's key must find its evidence.

For each question asked after event t, the query's key (`query_key`) is scored against the
keys of events 0..t; the evidence events are the positives, every other earlier event
(superseded values and near-duplicate distractors included) a negative. Multi-positive
InfoNCE at temperature `TAU`. This is what lets `context(query)` pick the right slots.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ssmem.compressor.write.model import CompressorNet, Heads
from ssmem.train.data import Batch

TAU = 0.1


def contrastive_loss(net: CompressorNet, heads: Heads, batch: Batch) -> Tensor:
    losses = []
    for b, e in enumerate(batch.examples):
        if e.q_emb.shape[0] == 0:
            continue
        qk = net.query_key(e.q_emb)  # (Q, d_key)
        logits = qk @ heads.key[b, : e.length].T / TAU  # (Q, L)
        idx = torch.arange(e.length)
        visible = idx.unsqueeze(0) <= e.q_at.unsqueeze(1)  # (Q, L)
        logits = logits.masked_fill(~visible, -1e9)
        pos = logits.masked_fill(~e.q_pos, -1e9)
        has_pos = e.q_pos.any(dim=1)
        loss = torch.logsumexp(logits, dim=1) - torch.logsumexp(pos, dim=1)
        losses.append(loss[has_pos])
    if not losses:
        return heads.key.sum() * 0
    return torch.cat(losses).mean()
