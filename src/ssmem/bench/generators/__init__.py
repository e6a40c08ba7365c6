"""Seeded, length-scalable stream generators: four task families, and three whose updates are
often implicit (`THREAD_FAMILIES`).

`generate(family, split, seed, target_tokens, counter)`: train streams use seeds below
`EVAL_SEED_BASE` and the train templates/vocabulary; eval streams use seeds at or above it and
the disjoint eval sets. Anything else raises `InputError`.
"""

from __future__ import annotations

from ssmem.bench.generators import agent, coding, household, incident, meeting, threads
from ssmem.bench.generators.engine import StreamEngine
from ssmem.bench.generators.questions import make_questions
from ssmem.bench.generators.spec import FamilySpec
from ssmem.bench.types import SPLITS, Stream
from ssmem.errors import InputError
from ssmem.tokens import TokenCounter, default_counter

EVAL_SEED_BASE = 1_000_000
FAMILIES: dict[str, FamilySpec] = {m.SPEC.name: m.SPEC for m in (meeting, coding, agent, incident)}
# Families whose updates are often implicit ("they bumped it to 8"): see `threads.py`.
THREAD_FAMILIES: dict[str, FamilySpec] = {
    "meeting-thread": threads.with_threads(meeting.SPEC, threads.MEETING, "meeting-thread"),
    "incident-thread": threads.with_threads(incident.SPEC, threads.INCIDENT, "incident-thread"),
    "household": household.SPEC,
}
FAMILIES |= THREAD_FAMILIES


def check_seed(split: str, seed: int) -> None:
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r} (train or eval)")
    if split == "eval" and seed < EVAL_SEED_BASE:
        raise InputError(f"eval seeds must be >= {EVAL_SEED_BASE}, got {seed}")
    if split == "train" and not 0 <= seed < EVAL_SEED_BASE:
        raise InputError(f"train seeds must be in [0, {EVAL_SEED_BASE}), got {seed}")


def generate(
    family: str,
    split: str,
    seed: int,
    target_tokens: int,
    counter: TokenCounter | None = None,
    part: str = "all",
) -> Stream:
    """A stream of about `target_tokens` tokens (counted on `Event.label()` lines), its
    questions and labels. Deterministic in (family, split, seed, target_tokens, tokenizer,
    part). `part` ("fit" / "heldout", train split only) restricts the templates: see
    `parts.py`."""
    if family not in FAMILIES:
        raise InputError(f"unknown family {family!r} (available: {', '.join(FAMILIES)})")
    check_seed(split, seed)
    if target_tokens < 200:
        raise InputError(f"target_tokens must be >= 200, got {target_tokens}")
    if part != "all" and split != "train":
        raise InputError(f"template part {part!r} exists for the train split only")
    engine = StreamEngine(FAMILIES[family], split, seed, counter or default_counter(), part)
    engine.build(target_tokens)
    return Stream(
        family,
        split,
        seed,
        engine.events,
        make_questions(engine),
        engine.labels,
        info={"tokens": engine.tokens, "implicit_gap": engine.tl.implicit},
    )


__all__ = ["EVAL_SEED_BASE", "FAMILIES", "THREAD_FAMILIES", "generate"]
