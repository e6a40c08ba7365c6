"""A tiny seeded project-meeting stream (facts, updates, chit-chat) for tests and examples.

It needs no data files; the benchmark generators (ssmem.bench) are
the real, larger task families.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ssmem.events import Event

PEOPLE = ("Ana", "Bo", "Chen", "Dara")
PROJECTS = ("Atlas", "Beacon", "Cobalt")
CHATTER = (
    "Did anyone see the game last night?",
    "I'll grab coffee after this call.",
    "Can everyone hear me okay?",
    "My screen froze for a second, sorry.",
    "Let's keep this one short today.",
)


@dataclass(frozen=True)
class DemoQuestion:
    query: str
    answer: str
    stale: tuple[str, ...]


def demo_stream(seed: int = 0, rounds: int = 40) -> tuple[list[Event], list[DemoQuestion]]:
    """Events and questions whose answers are the latest values by construction."""
    rng = random.Random(seed)
    budgets: dict[str, list[int]] = {p: [] for p in PROJECTS}
    owners: dict[str, list[str]] = {p: [] for p in PROJECTS}
    texts: list[tuple[str, str]] = []
    for _ in range(rounds):
        project = rng.choice(PROJECTS)
        speaker = rng.choice(PEOPLE)
        roll = rng.random()
        if roll < 0.2:
            value = rng.randrange(10, 90) * 500
            budgets[project].append(value)
            texts.append((speaker, f"The budget for {project} is now ${value:,}."))
        elif roll < 0.35:
            owner = rng.choice([p for p in PEOPLE if p != speaker])
            owners[project].append(owner)
            texts.append((speaker, f"{owner} owns {project} from today."))
        else:
            texts.append((speaker, rng.choice(CHATTER)))
    events = [Event(seq=i, text=t, source=s, kind="turn") for i, (s, t) in enumerate(texts)]
    questions = [
        DemoQuestion(
            f"What is the budget for {p}?", f"${v[-1]:,}", tuple(f"${x:,}" for x in v[:-1])
        )
        for p, v in budgets.items()
        if v
    ] + [DemoQuestion(f"Who owns {p}?", o[-1], tuple(o[:-1])) for p, o in owners.items() if o]
    return events, questions
