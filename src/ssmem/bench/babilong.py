"""BABILong-style streams: one bAbI story (qa1-qa3, test split) spread through a haystack of
real text (LoCoMo turns or Loghub lines) of a target length; each story question is asked at
its place in the story, i.e. right after the haystack event that precedes it.

Ground truth: the bAbI answer, the supporting facts as evidence seqs and, for qa1 ("Where is
X?"), X's earlier locations as stale values.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from ssmem.adapters.locomo import conversation_events, load_locomo_samples
from ssmem.adapters.loghub import load_loghub_csv
from ssmem.bench.data import data_dir, data_file
from ssmem.bench.types import Question, Stream
from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.tokens import TokenCounter, default_counter

TASKS = {
    "qa1": "qa1_single-supporting-fact",
    "qa2": "qa2_two-supporting-facts",
    "qa3": "qa3_three-supporting-facts",
}
CATEGORY = {"qa1": "current_value", "qa2": "current_value", "qa3": "temporal"}
HAYSTACKS = ("locomo", "loghub")
_MOVE = re.compile(r"^(\w+) (?:moved|went|journeyed|travelled|went back) to the (\w+)\.$")


@lru_cache(maxsize=8)
def load_stories(task: str) -> list[list[tuple]]:
    """Stories as lists of ("fact", id, text) and ("q", id, question, answer, support ids)."""
    if task not in TASKS:
        raise InputError(f"unknown bAbI task {task!r} (available: {', '.join(TASKS)})")
    path = data_file("babi", "en", f"{TASKS[task]}_test.txt")
    stories: list[list[tuple]] = []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        num, _, rest = raw.partition(" ")
        if num == "1":
            stories.append([])
        if "\t" in rest:
            q, answer, support = rest.split("\t")
            stories[-1].append(
                ("q", int(num), q.strip(), answer, [int(s) for s in support.split()])
            )
        elif num.isdigit():
            stories[-1].append(("fact", int(num), rest.strip()))
        else:
            raise InputError("not a bAbI line", path=str(path), line=n)
    return stories


@lru_cache(maxsize=2)
def haystack_lines(kind: str) -> tuple[tuple[str, str], ...]:
    """(source, text) lines of real text to hide the story in."""
    if kind == "locomo":
        path = data_file("locomo", "locomo10.json")
        return tuple(
            (e.source, e.text)
            for s in load_locomo_samples(path)
            for e in conversation_events(s, str(path))
        )
    if kind == "loghub":
        root = data_dir() / "loghub"
        return tuple(
            (e.source, e.text)
            for p in sorted(root.glob("*/*_structured.csv"))
            for e in load_loghub_csv(p)
        )
    raise InputError(f"unknown haystack {kind!r} (available: {', '.join(HAYSTACKS)})")


def babilong_stream(
    task: str,
    target_tokens: int,
    seed: int,
    haystack: str = "locomo",
    counter: TokenCounter | None = None,
) -> Stream:
    counter = counter or default_counter()
    rng = random.Random(f"babilong/{task}/{seed}/{haystack}")
    stories = load_stories(task)
    story = stories[seed % len(stories)]
    hay = haystack_lines(haystack)
    start = rng.randrange(len(hay))
    fillers, used = [], sum(counter.count(x[2]) + 1 for x in story if x[0] == "fact")
    while used < target_tokens and len(fillers) < len(hay):
        src, text = hay[(start + len(fillers)) % len(hay)]
        fillers.append((src, text))
        used += counter.count(f"[#{len(fillers)}] {src}: {text}") + 1
    slots = sorted(rng.randrange(len(fillers) + 1) for _ in story)
    events: list[Event] = []
    fact_seq: dict[int, int] = {}
    places: dict[str, list[str]] = {}
    questions: list[Question] = []
    f = 0
    for item, slot in zip(story, slots, strict=True):
        while f < slot:
            events.append(Event(len(events), fillers[f][1], source=fillers[f][0], kind="haystack"))
            f += 1
        if item[0] == "fact":
            fact_seq[item[1]] = len(events)
            events.append(Event(len(events), item[2], source="story", kind="fact"))
            if m := _MOVE.match(item[2]):
                places.setdefault(m.group(1), []).append(m.group(2))
            continue
        _, _, query, answer, support = item
        if not events:  # a question can only follow an event
            events.append(Event(0, fillers[0][1], source=fillers[0][0], kind="haystack"))
            f = 1
        who = query.split()[-1].rstrip("?")
        stale = tuple(dict.fromkeys(p for p in places.get(who, []) if p != answer))
        questions.append(
            Question(
                len(events) - 1,
                query,
                (answer,),
                stale if task == "qa1" else (),
                tuple(fact_seq[s] for s in support),
                CATEGORY[task],
            )
        )
    for src, text in fillers[f:]:
        events.append(Event(len(events), text, source=src, kind="haystack"))
    return Stream(
        "babilong",
        "eval",
        seed,
        events,
        questions,
        {},
        info={"task": task, "haystack": haystack, "tokens": used},
    )
