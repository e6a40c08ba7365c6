"""Calibration of the materializer's thresholds on held-out *train-split* streams.

Runs the trained net once per stream, then replays the materializer for a small grid of
(match, update) thresholds and keeps the pair with the best F1 of update landing: an update
counts as correct when it overwrote the slot that held the event it supersedes. Evaluation
streams are never used here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from ssmem.bench import generate
from ssmem.compressor.features import EMBED_DIM, default_featurizer
from ssmem.compressor.materializer import Materializer, MaterializerConfig
from ssmem.compressor.model import CompressorNet

MATCH_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
UPDATE_GRID = (0.3, 0.5, 0.7)


def update_f1(stream, heads, text_vecs, cfg: MaterializerConfig) -> tuple[int, int, int]:
    """(correct updates, update decisions, gold updates) for one stream."""
    mat = Materializer(cfg)
    slot_of: dict[int, int] = {}
    correct = decided = gold = 0
    for j, ev in enumerate(stream.events):
        d = mat.apply(
            ev, heads[0][j], heads[1][j], float(heads[2][j]), float(heads[3][j]), text_vecs[j]
        )
        label = stream.labels[ev.seq]
        if label.supersedes is not None:
            gold += 1
        if d.action in ("updated", "resolved"):
            decided += 1
            if label.supersedes is not None and slot_of.get(label.supersedes) == d.slot:
                correct += 1
        if d.slot is not None:
            slot_of[ev.seq] = d.slot
    return correct, decided, gold


def calibrate(
    net: CompressorNet,
    families: list[str],
    seeds: list[int],
    tokens: list[int],
    base: MaterializerConfig,
) -> tuple[MaterializerConfig, dict[str, Any]]:
    feat = default_featurizer()
    runs = []
    for i, seed in enumerate(seeds):
        for fam in families:
            stream = generate(fam, "train", seed, tokens[i % len(tokens)])
            x = feat(stream.events)
            with torch.no_grad():
                h, _ = net(x.unsqueeze(0))
            heads = (
                h.type_logits[0].numpy(),
                h.key[0].numpy(),
                h.update[0].numpy(),
                h.utility[0].numpy(),
            )
            runs.append((stream, heads, x[:, :EMBED_DIM].numpy()))
    table = []
    for m in MATCH_GRID:
        for u in UPDATE_GRID:
            cfg = replace(base, match_threshold=m, update_threshold=u)
            c = d = g = 0
            for stream, heads, tv in runs:
                a, b, gg = update_f1(stream, heads, tv, cfg)
                c, d, g = c + a, d + b, g + gg
            p = c / d if d else 0.0
            r = c / g if g else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            table.append(
                {
                    "match": m,
                    "update": u,
                    "precision": round(p, 4),
                    "recall": round(r, 4),
                    "f1": round(f1, 4),
                }
            )
    best = max(table, key=lambda row: (row["f1"], -abs(row["match"] - 0.6)))
    chosen = replace(base, match_threshold=best["match"], update_threshold=best["update"])
    return chosen, {"streams": len(runs), "seeds": seeds, "best": best, "grid": table}


__all__ = ["calibrate", "update_f1"]
