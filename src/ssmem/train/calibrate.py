"""Calibration of the materializer's thresholds and the ranking weight, on held-out wording.

The streams used here are *train-split* streams built from the held-out template part
(`generate(..., part="heldout")`): the network never trained on their wording, as it will
not have seen the eval split's. Evaluation streams are never used. Four steps, in order:

1. `keep_threshold`: the highest value in `KEEP_GRID` that still keeps `KEEP_RECALL` of the
   events that are not noise (so retention errs towards keeping; capacity evicts later) —
   and, when real calibration streams are given (`train/real.py`: LoCoMo 8-9, LongMemEval
   calibration items, Thunderbird), `KEEP_RECALL` of the real events labelled to keep too.
   `names_threshold`: the `names` logit in `NAMES_GRID` that best separates, over the
   updates of these streams, those that name what they change from the implicit ones
   (balanced accuracy; the network never saw this wording, so its logits run high).
2. `update_threshold`, `match_threshold`, `lex_weight`: the grid point whose replayed memory
   holds the most keys at their latest value, minus the keys that still show a superseded
   value (`state_score`).
3. `rank_lex`, `rank_phrase`: the ranking weights (word overlap, phrase share) that put
   the most question evidence among the first `TOP_K` slots, at every question point of
   the same streams.
4. `read_match` (read-time consolidation, `consolidate.py`): over the current-value
   questions of the same streams, the value that minimises the share whose first `TOP_K`
   slots show a superseded value unmarked plus `MARK_COST` times the share whose current
   value gets marked.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import torch

from ssmem.bench import Stream, generate
from ssmem.bench.metrics import contains
from ssmem.compressor.read.consolidate import probable_supersessions
from ssmem.compressor.write.features import EMBED_DIM, default_featurizer
from ssmem.compressor.write.materializer import (
    NOISE,
    Attribution,
    Materializer,
    MaterializerConfig,
    softmax,
)
from ssmem.compressor.write.model import CompressorNet
from ssmem.train.real import RealStream

KEEP_GRID = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
KEEP_RECALL = 0.95
NAMES_GRID = (-2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
UPDATE_GRID = (0.0, 0.3, 0.5, 0.7)
MATCH_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4)
LEX_GRID = (0.0, 0.5, 1.0, 2.0, 4.0)
RANK_LEX_GRID = (0.5, 1.0, 2.0, 4.0)
RANK_PHRASE_GRID = (0.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# -2.0: learned keys ignored (phrases alone decide); 2.0: consolidation off
READ_MATCH_GRID = (-2.0, 0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 2.0)
MARK_COST = 2.0  # a current value marked superseded costs twice a stale one left unmarked
TOP_K = 8

Run = tuple[Stream, tuple[np.ndarray, ...], np.ndarray]


def _replay(run: Run, cfg: MaterializerConfig) -> tuple[Materializer, dict[int, Any]]:
    stream, heads, text_vecs = run
    mat = Materializer(cfg)
    decisions = {}
    for j, ev in enumerate(stream.events):
        decisions[ev.seq] = mat.apply(
            ev,
            heads[0][j],
            heads[1][j],
            float(heads[2][j]),
            float(heads[3][j]),
            text_vecs[j],
            Attribution(heads[4][j], float(heads[5][j])),
        )
    return mat, decisions


def state_score(run: Run, cfg: MaterializerConfig) -> dict[str, int]:
    """Replay one stream; count fact keys whose latest value is a live slot's current text
    (`latest`), keys with an older value still current somewhere (`stale`), and update
    landings (`correct` of `decided`, `gold` updates)."""
    stream = run[0]
    mat, decisions = _replay(run, cfg)
    current = {s.current.seq for s in mat.slots.values()}
    by_key: dict[str, list[int]] = {}
    for seq, label in sorted(stream.labels.items()):
        if label.type == "fact" and label.key is not None:
            by_key.setdefault(label.key, []).append(seq)
    latest = sum(seqs[-1] in current for seqs in by_key.values())
    stale = sum(any(s in current for s in seqs[:-1]) for seqs in by_key.values())
    slot_of: dict[int, int] = {}
    correct = decided = gold = 0
    for seq, d in decisions.items():
        sup = stream.labels[seq].supersedes
        gold += sup is not None
        if d.action in ("updated", "resolved"):
            decided += 1
            correct += sup is not None and slot_of.get(sup) == d.slot
        if d.slot is not None:
            slot_of[seq] = d.slot
    return {
        "keys": len(by_key),
        "latest": latest,
        "stale": stale,
        "correct": correct,
        "decided": decided,
        "gold": gold,
    }


def _keep_rates(p_keep: np.ndarray, label: np.ndarray, t: float) -> tuple[float, float]:
    """(recall of the events labelled to keep, share of labelled noise dropped) at `t`."""
    kept = p_keep >= t
    recall = float(kept[label].mean()) if label.any() else 1.0
    dropped = float((~kept[~label]).mean()) if (~label).any() else 0.0
    return recall, dropped


def choose_keep(
    runs: list[Run], real: list[tuple[RealStream, np.ndarray]] = ()
) -> tuple[float, list[dict[str, float]]]:
    """Step 1. `real`: (real stream, its type logits), labelled where `keep` says."""
    p_keep, label = [], []
    for stream, heads, _ in runs:
        p_keep.append(1.0 - softmax(heads[0])[:, NOISE])
        label.append(np.array([stream.labels[e.seq].type != "noise" for e in stream.events]))
    pk, lb = np.concatenate(p_keep), np.concatenate(label)
    real_pk, real_lb = [], []
    for r, logits in real:
        pos = [j for j, e in enumerate(r.stream.events) if e.seq in r.keep]
        real_pk.append((1.0 - softmax(logits)[:, NOISE])[pos])
        real_lb.append(np.array([r.keep[r.stream.events[j].seq] for j in pos], dtype=bool))
    pooled = (np.concatenate(real_pk), np.concatenate(real_lb)) if real else None
    rows = []
    for t in KEEP_GRID:
        recall, dropped = _keep_rates(pk, lb, t)
        row = {"keep": t, "recall": round(recall, 4), "noise_dropped": round(dropped, 4)}
        if pooled is not None:
            r_recall, r_dropped = _keep_rates(*pooled, t)
            row |= {"real_recall": round(r_recall, 4), "real_noise_dropped": round(r_dropped, 4)}
        rows.append(row)
    ok = [r["keep"] for r in rows if min(r["recall"], r.get("real_recall", 1.0)) >= KEEP_RECALL]
    return (max(ok) if ok else min(KEEP_GRID)), rows


def choose_names(runs: list[Run]) -> tuple[float, list[dict[str, float]]]:
    names, implicit = [], []
    for stream, heads, _ in runs:
        gaps = stream.info.get("implicit_gap", {})
        for j, ev in enumerate(stream.events):
            if stream.labels[ev.seq].supersedes is not None:
                names.append(float(heads[5][j]))
                implicit.append(ev.seq in gaps)
    logit, imp = np.array(names), np.array(implicit, dtype=bool)
    rows = []
    for t in NAMES_GRID:
        caught = float((logit[imp] < t).mean()) if imp.any() else 1.0
        kept = float((logit[~imp] >= t).mean()) if (~imp).any() else 1.0
        rows.append({"names": t, "implicit_caught": round(caught, 4), "named_kept": round(kept, 4)})
    best = max(rows, key=lambda r: (r["implicit_caught"] + r["named_kept"], -abs(r["names"])))
    return best["names"], rows


def _first(ranked: list) -> list:
    """Constraints (always shown) and the first TOP_K other slots."""
    return [s for s in ranked if s.type == "constraint"] + [
        s for s in ranked if s.type != "constraint"
    ][:TOP_K]


def _read_match_costs(view, q, lexicon, costs: dict[float, list[float]]) -> None:
    """Add (stale shown unmarked, current marked) of question `q` for every grid value."""
    shown = _first(view.ranked(q.query))
    current = q.evidence[0]
    for r in READ_MATCH_GRID:
        older = probable_supersessions(shown, q.query, lexicon, r)
        stale = any(
            s.id not in older and any(contains(s.current.text, v) for v in q.stale) for s in shown
        )
        marked = any(s.current.seq == current and s.id in older for s in shown)
        costs[r][0] += stale
        costs[r][1] += marked
    costs[READ_MATCH_GRID[0]][2] += 1  # question count, kept once


def choose_read_side(net: CompressorNet, runs: list[Run], cfg: MaterializerConfig) -> tuple:
    """Steps 3 and 4 in one replay of the streams: (best (rank_lex, rank_phrase),
    {"lex,phrase": evidence hit rate in the first TOP_K slots}, best read_match,
    {read_match: [stale rate, current-marked rate]})."""
    from ssmem.systems.ssm import SSMMemory  # the system imports this package's parents

    grid = [(w, p) for w in RANK_LEX_GRID for p in RANK_PHRASE_GRID]
    hits = dict.fromkeys(grid, 0)
    costs: dict[float, list[float]] = {r: [0.0, 0.0, 0.0] for r in READ_MATCH_GRID}
    total = 0
    for stream, _, _ in runs:
        system = SSMMemory(net=net)
        system.materializer.config = cfg
        index = {e.seq: i for i, e in enumerate(stream.events)}
        done = 0
        for q in sorted(stream.questions, key=lambda q: q.at_seq):
            if not q.evidence:
                continue
            upto = index[q.at_seq] + 1
            if upto > done:
                system.ingest(stream.events[done:upto])
                done = upto
            total += 1
            view = system.memory()
            parts = view.score_parts(q.query)
            for w, p in grid:
                total_score = (
                    parts.combine(w, p, view.settings.usefulness_weight)
                    if parts is not None
                    else []
                )
                scores = {s.id: float(t) for s, t in zip(view.slots, total_score, strict=True)}
                first = _first(view.ranked(q.query, scores))
                hits[(w, p)] += any(e in {s.current.seq for s in first} for e in q.evidence)
            if q.category in ("current_value", "implicit_update") and q.stale:
                _read_match_costs(view, q, system.lexicon, costs)
    rates = {k: round(h / total, 4) if total else 0.0 for k, h in hits.items()}
    best = max(grid, key=lambda k: (rates[k], -abs(k[0] - 1.0), -k[1]))
    n = max(1.0, costs[READ_MATCH_GRID[0]][2])
    read = {r: [round(c[0] / n, 4), round(c[1] / n, 4)] for r, c in costs.items()}
    best_read = min(READ_MATCH_GRID, key=lambda r: (read[r][0] + MARK_COST * read[r][1], -r))
    return best, rates, best_read, read


def calibrate(
    net: CompressorNet,
    families: list[str],
    seeds: list[int],
    tokens: list[int],
    base: MaterializerConfig,
    real: list[RealStream] = (),
) -> tuple[MaterializerConfig, dict[str, Any]]:
    """Steps 1-4 on generated held-out streams (`families` x `seeds`), plus real calibration
    streams (`real`) for step 1."""
    feat = default_featurizer()
    runs: list[Run] = []
    for i, seed in enumerate(seeds):
        for fam in families:
            stream = generate(fam, "train", seed, tokens[i % len(tokens)], part="heldout")
            x = feat(stream.events)
            with torch.no_grad():
                h, _ = net(x.unsqueeze(0))
            heads = tuple(
                t[0].numpy() for t in (h.type_logits, h.key, h.update, h.utility, h.attach, h.names)
            )
            runs.append((stream, heads, x[:, :EMBED_DIM].numpy()))
    real_logits = []
    for r in real:
        with torch.no_grad():
            h, _ = net(feat(r.stream.events).unsqueeze(0))
        real_logits.append((r, h.type_logits[0].numpy()))
    keep, keep_rows = choose_keep(runs, real_logits)
    names, names_rows = choose_names(runs)
    base = replace(base, keep_threshold=keep, names_threshold=names)
    table = []
    for lex in LEX_GRID:
        for u in UPDATE_GRID:
            for m in MATCH_GRID:
                cfg = replace(base, match_threshold=m, update_threshold=u, lex_weight=lex)
                tot = {"keys": 0, "latest": 0, "stale": 0, "correct": 0, "decided": 0, "gold": 0}
                for run in runs:
                    for k, v in state_score(run, cfg).items():
                        tot[k] += v
                p = tot["correct"] / tot["decided"] if tot["decided"] else 0.0
                r = tot["correct"] / tot["gold"] if tot["gold"] else 0.0
                keys = max(1, tot["keys"])
                table.append(
                    {
                        "lex": lex,
                        "update": u,
                        "match": m,
                        "latest": round(tot["latest"] / keys, 4),
                        "stale": round(tot["stale"] / keys, 4),
                        "update_precision": round(p, 4),
                        "update_recall": round(r, 4),
                    }
                )
    best = max(table, key=lambda row: (row["latest"] - row["stale"], -abs(row["match"] - 0.6)))
    chosen = replace(
        base,
        match_threshold=best["match"],
        update_threshold=best["update"],
        lex_weight=best["lex"],
    )
    (rank_lex, rank_phrase), rank_rates, read_match, read_costs = choose_read_side(
        net, runs, chosen
    )
    chosen = replace(chosen, rank_lex=rank_lex, rank_phrase=rank_phrase, read_match=read_match)
    return chosen, {
        "streams": len(runs),
        "real_streams": len(real),
        "seeds": seeds,
        "part": "heldout",
        "keep": keep_rows,
        "names": names_rows,
        "best": best,
        "grid": table,
        "rank_lex_phrase_hit_rate": {f"{w},{p}": r for (w, p), r in rank_rates.items()},
        "read_match_stale_marked": {str(r): c for r, c in read_costs.items()},
    }


__all__ = ["calibrate", "state_score"]
