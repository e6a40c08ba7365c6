"""Training examples: train-split streams turned into tensors and targets.

Targets come from the generators' ground truth (`Stream.labels`, `Stream.questions`), which
systems never see at inference; only `split="train"` generated streams are accepted. Real
streams (`train/real.py`) carry partial labels: what their source does not say is marked
unknown (`type_known`, `update_known`, `utility_known` False) and left out of that loss, and
retention is supervised where known (`keep_known`: kept vs noise, whatever the type).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ssmem.bench import Stream, generate
from ssmem.compressor.store.slots import TYPES
from ssmem.compressor.write.features import EMBED_DIM, StaticFeaturizer, TokenStats
from ssmem.errors import InputError
from ssmem.train.real import RealStream


@dataclass
class Example:
    """One stream. All per-event tensors have length L (events in order)."""

    x: Tensor  # (L, d_in)
    type_id: Tensor  # (L,) long
    key_id: Tensor  # (L,) long, -1 = no key
    update: Tensor  # (L,) float: replaces/resolves an earlier event
    utility: Tensor  # (L,) float: a question needs it (and it is current then) / constraint
    superseded_by: Tensor  # (L,) long: index of the event that replaces it, -1 = none
    names: Tensor  # (L,) bool: the event names what it is about (keyed, not an implicit update)
    q_emb: Tensor  # (Q, 384) static query embeddings
    q_at: Tensor  # (Q,) long: question asked after this event index
    q_pos: Tensor  # (Q, L) bool: evidence events of each question
    type_known: Tensor  # (L,) bool: type_id is a label (else the type loss skips the event)
    keep: Tensor  # (L,) float: 1 = must be retained, 0 = noise (where keep_known)
    keep_known: Tensor  # (L,) bool: retention is labelled although the type is not
    update_known: Tensor  # (L,) bool: `update` is a label
    utility_known: Tensor  # (L,) bool: `utility` is a label
    parts: list  # per event (token ids, IDF weights): to rebuild x with token dropout
    scalars: np.ndarray  # (L, N_SCALARS)

    @property
    def length(self) -> int:
        return int(self.x.shape[0])


def _question_targets(
    stream: Stream, index: dict[int, int], utility: Tensor, featurizer: StaticFeaturizer
) -> tuple[Tensor, Tensor, Tensor]:
    """(q_emb, q_at, q_pos) of the stream's questions that have evidence; marks each evidence
    event asked about after it as useful in `utility` (in place)."""
    questions = [q for q in stream.questions if q.evidence and q.at_seq in index]
    q_pos = torch.zeros(len(questions), len(index), dtype=torch.bool)
    for j, q in enumerate(questions):
        for s in q.evidence:
            if s in index and index[s] <= index[q.at_seq]:
                q_pos[j, index[s]] = True
                utility[index[s]] = 1.0
    q_emb = (
        torch.from_numpy(featurizer.embed_texts([q.query for q in questions]))
        if questions
        else torch.zeros(0, EMBED_DIM)
    )
    q_at = torch.tensor([index[q.at_seq] for q in questions], dtype=torch.long)
    return q_emb, q_at, q_pos


def example_from_stream(stream: Stream, featurizer: StaticFeaturizer) -> Example:
    if stream.split != "train":
        raise InputError(f"training uses train-split streams only, got {stream.split!r}")
    events = stream.events
    index = {e.seq: i for i, e in enumerate(events)}
    n = len(events)
    keys: dict[str, int] = {}
    type_id = torch.zeros(n, dtype=torch.long)
    key_id = torch.full((n,), -1, dtype=torch.long)
    update = torch.zeros(n)
    utility = torch.zeros(n)
    superseded_by = torch.full((n,), -1, dtype=torch.long)
    implicit = stream.info.get("implicit_gap", {})
    names = torch.tensor([e.seq not in implicit for e in events], dtype=torch.bool)
    for i, ev in enumerate(events):
        label = stream.labels[ev.seq]
        type_id[i] = TYPES.index(label.type)
        if label.key is not None:
            key_id[i] = keys.setdefault(label.key, len(keys))
        if label.supersedes is not None and label.supersedes in index:
            update[i] = 1.0
            superseded_by[index[label.supersedes]] = i
        if label.type == "constraint":
            utility[i] = 1.0
    q_emb, q_at, q_pos = _question_targets(stream, index, utility, featurizer)
    parts = featurizer.token_parts(events, TokenStats())
    scalars = featurizer.scalars(events)
    known = torch.ones(n, dtype=torch.bool)
    return Example(
        x=featurizer.assemble(parts, scalars),
        type_id=type_id,
        key_id=key_id,
        update=update,
        utility=utility,
        superseded_by=superseded_by,
        names=names & (key_id >= 0),
        q_emb=q_emb,
        q_at=q_at,
        q_pos=q_pos,
        type_known=known,
        keep=torch.zeros(n),
        keep_known=torch.zeros(n, dtype=torch.bool),
        update_known=known,
        utility_known=known,
        parts=parts,
        scalars=scalars,
    )


def example_from_real(real: RealStream, featurizer: StaticFeaturizer) -> Example:
    """An example from a real stream: questions and evidence as given, retention where its
    source labels it, utility where known; type, key and update unknown."""
    stream = real.stream
    events = stream.events
    index = {e.seq: i for i, e in enumerate(events)}
    n = len(events)
    utility = torch.zeros(n)
    q_emb, q_at, q_pos = _question_targets(stream, index, utility, featurizer)
    keep = torch.zeros(n)
    keep_known = torch.zeros(n, dtype=torch.bool)
    for seq, kept in real.keep.items():
        if seq in index:
            keep[index[seq]] = float(kept)
            keep_known[index[seq]] = True
    parts = featurizer.token_parts(events, TokenStats())
    scalars = featurizer.scalars(events)
    unknown = torch.zeros(n, dtype=torch.bool)
    return Example(
        x=featurizer.assemble(parts, scalars),
        type_id=torch.zeros(n, dtype=torch.long),
        key_id=torch.full((n,), -1, dtype=torch.long),
        update=torch.zeros(n),
        utility=utility,
        superseded_by=torch.full((n,), -1, dtype=torch.long),
        names=unknown,
        q_emb=q_emb,
        q_at=q_at,
        q_pos=q_pos,
        type_known=unknown,
        keep=keep,
        keep_known=keep_known,
        update_known=unknown,
        utility_known=torch.full((n,), real.utility_known, dtype=torch.bool),
        parts=parts,
        scalars=scalars,
    )


def build_examples(
    families: list[str],
    seeds: list[int],
    tokens: list[int],
    featurizer: StaticFeaturizer,
    progress=None,
    part: str = "fit",
) -> list[Example]:
    """One example per (family, seed); stream length cycles through `tokens`; templates from
    the train split's `part` (the "heldout" part is kept for calibration)."""
    out = []
    for i, seed in enumerate(seeds):
        for fam in families:
            stream = generate(fam, "train", seed, tokens[i % len(tokens)], part=part)
            out.append(example_from_stream(stream, featurizer))
            if progress is not None:
                progress.update(1)
    return out


@dataclass
class Batch:
    x: Tensor  # (B, L, d_in)
    mask: Tensor  # (B, L) bool, real events
    examples: list[Example]

    def padded(self, name: str) -> Tensor:
        """The per-event tensor `name` of every example, zero-padded to (B, L)."""
        first = getattr(self.examples[0], name)
        out = torch.zeros(self.mask.shape, dtype=first.dtype)
        for b, e in enumerate(self.examples):
            out[b, : e.length] = getattr(e, name)
        return out

    def known(self, name: str) -> Tensor:
        """(B, L) bool: events (not padding) whose label `name` (e.g. "type_known") is known."""
        return self.mask & self.padded(name)


def collate(
    examples: list[Example],
    featurizer: StaticFeaturizer | None = None,
    token_dropout: float = 0.0,
    seed: int = 0,
) -> Batch:
    """Pad to one batch. With `token_dropout` > 0 (and a featurizer), every event's vector is
    rebuilt from a random subset of its tokens (each dropped with that probability, seeded by
    `seed`), so the heads cannot lean on any one template word."""
    L = max(e.length for e in examples)
    x = torch.zeros(len(examples), L, examples[0].x.shape[1])
    mask = torch.zeros(len(examples), L, dtype=torch.bool)
    rng = np.random.default_rng(seed)
    for b, e in enumerate(examples):
        if token_dropout > 0 and featurizer is not None:
            keep = [rng.random(len(ids)) >= token_dropout for ids, _ in e.parts]
            x[b, : e.length] = featurizer.assemble(e.parts, e.scalars, keep)
        else:
            x[b, : e.length] = e.x
        mask[b, : e.length] = True
    return Batch(x, mask, examples)
