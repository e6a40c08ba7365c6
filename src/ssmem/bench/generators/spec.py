"""What a task family supplies to the shared stream engine: attributes, surface templates
per split, and a noise maker. Families differ in wording and noise; the engine owns the
structure (facts, updates, constraints, open loops, causes, quotes, anomalies, questions).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

Vocab = dict[str, tuple[str, ...]]
# A noise maker returns events as (source, text, label type) from the stream's rng and vocab.
NoiseMaker = Callable[[random.Random, Vocab, "NoiseState"], list[tuple[str, str, str]]]


@dataclass(frozen=True)
class Attr:
    """An attribute of an entity: `key` is stable, `noun` is the surface word per split.

    `noun[split]` is one word, or a tuple of synonyms of which each stream uses one
    throughout (chosen from the stream's seed), so training sees varied wording.
    """

    key: str
    noun: dict[str, str | tuple[str, ...]]
    kind: str  # a ValuePool kind: money | person | date | version | count


@dataclass
class NoiseState:
    """Per-stream state a noise maker may keep (e.g. which heartbeat lines exist)."""

    split: str = "train"
    entities: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    counter: int = 0


@dataclass(frozen=True)
class FamilySpec:
    """A family: its attributes, templates[split][role] and noise.

    Roles and placeholders: intro {entity}; set/update {entity} {attr} {value} (an update
    never names the old value); constraint {rule}; rule {rule_obj}; open {item}; resolve
    {item} {value}; item {entity}; cause {entity} {change}; param (a bare name); effect
    {entity} {symptom}; symptom (a phrase); quote {entity} {quote}; quote_msg {n} {m};
    reading {entity} {metric} {value} (optional: families without it have no anomalies).
    `sources[role]` names the event source for a role; "cast" means a stream's speaker and
    "entity" the entity itself.
    """

    name: str
    kind: str
    attrs: tuple[Attr, ...]
    templates: dict[str, dict[str, tuple[str, ...]]]
    noise: NoiseMaker
    entity_fmt: Callable[[str, str], str]
    sources: dict[str, str] = field(default_factory=dict)
    reading_unit: str = "ms"


def chat_noise(chat: dict[str, tuple[str, ...]]) -> NoiseMaker:
    """A noise maker for chat families: one line of `chat[split]` about a random topic, said
    by one of the stream's speakers."""

    def noise(rng: random.Random, vocab: Vocab, state: NoiseState) -> list[tuple[str, str, str]]:
        text = rng.choice(chat[state.split]).format(
            topic=rng.choice(vocab["topic"]), n=rng.randrange(2, 90)
        )
        return [(rng.choice(state.cast), text, "noise")]

    return noise
