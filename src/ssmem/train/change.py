"""Objective 4 — change sensitivity: memory must not keep asserting a value after its update.

Three parts (the third reported on its own). (a) The update head learns which events
replace an earlier value (BCE). (b) An
update's key must be nearer to the event it supersedes than to any other earlier event
(margin ranking), so the materializer overwrites that slot instead of keeping both — the
stale-memory failure this objective penalises. (c) `attach_loss`, update attribution: an
update must know whether it names what it replaces, and if not, point at the recent event
that did (see the materializer's attribution). This is what lets an implicit update
("heard back: 450") land on the live thread's slot.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ssmem.compressor.write.materializer import MaterializerConfig
from ssmem.compressor.write.model import Heads
from ssmem.train.data import Batch

MARGIN = 0.3
TAU = 0.1
ATTACH_WINDOW = MaterializerConfig.thread_window  # events before an update it may point at


def attach_loss(heads: Heads, batch: Batch) -> Tensor:
    """(c) Update attribution, two parts. `names`: BCE over the keyed events, does the event
    name what it is about (an implicit update does not). `attach`: for each update, InfoNCE
    of its attribution vector over the keys of the `ATTACH_WINDOW` events before it; the
    positives are those that name what it replaces (same gold key, not an implicit update).
    Updates with no such event in reach only train `names`."""
    losses, bce = [], []
    for b, e in enumerate(batch.examples):
        keyed = torch.nonzero(e.key_id >= 0).squeeze(1)
        if keyed.numel():
            bce.append(
                F.binary_cross_entropy_with_logits(
                    heads.names[b, keyed], e.names[keyed].float(), reduction="none"
                )
            )
        old = torch.nonzero(e.superseded_by >= 0).squeeze(1)
        if old.numel() == 0:
            continue
        new = e.superseded_by[old]  # (P,)
        offsets = torch.arange(-ATTACH_WINDOW, 0)  # (W,): strictly earlier events
        idx = new.unsqueeze(1) + offsets.unsqueeze(0)  # (P, W)
        valid = idx >= 0
        idx = idx.clamp(min=0)
        logits = (heads.attach[b, new].unsqueeze(1) * heads.key[b, idx]).sum(-1) / TAU
        pos = valid & e.names[idx] & (e.key_id[idx] == e.key_id[old].unsqueeze(1))
        ok = pos.any(dim=1)
        if not ok.any():
            continue
        logits = logits.masked_fill(~valid, -1e9)
        loss = torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~pos, -1e9), 1)
        losses.append(loss[ok])
    names = torch.cat(bce).mean() if bce else heads.names.sum() * 0
    point = torch.cat(losses).mean() if losses else heads.attach.sum() * 0
    return names + point


def change_loss(heads: Heads, batch: Batch) -> Tensor:
    """(a) and (b), over the events whose update label is known (real text has none)."""
    target = batch.padded("update")
    known = batch.known("update_known")
    ranking = []
    for b, e in enumerate(batch.examples):
        old = torch.nonzero(e.superseded_by >= 0).squeeze(1)
        if old.numel() == 0:
            continue
        new = e.superseded_by[old]
        named = e.names[new]  # an implicit update's key is not asked to say what it changes
        old, new = old[named], new[named]
        if old.numel() == 0:
            continue
        k = heads.key[b, : e.length]
        sims = k[new] @ k.T  # (P, L): each update against every event
        pos = sims[torch.arange(len(old)), old]
        earlier = torch.arange(e.length).unsqueeze(0) < new.unsqueeze(1)
        other = earlier & (e.key_id.unsqueeze(0) != e.key_id[old].unsqueeze(1))
        hardest = sims.masked_fill(~other, -2.0).max(dim=1).values
        ranking.append(F.relu(MARGIN - pos + hardest))
    bce = F.binary_cross_entropy_with_logits(heads.update, target, reduction="none")
    bce = (bce * known).sum() / known.sum().clamp(min=1)
    rank = torch.cat(ranking).mean() if ranking else bce * 0
    return bce + rank
