"""BGL alert retention: real Blue Gene/L log lines (Loghub BGL_2k), questions at the end of
a prefix of the log about its labelled alert lines — is the alert still in the memory after
all the lines that followed it?

The alert label (Loghub's `Label` column) is ground truth and is not given to systems: events
carry the node, level and content as text and no `meta`.
"""

from __future__ import annotations

import random

from ssmem.adapters.loghub import load_loghub_csv
from ssmem.bench.data import data_file
from ssmem.bench.types import Question, Stream
from ssmem.events import Event
from ssmem.tokens import TokenCounter, default_counter


def bgl_stream(
    target_tokens: int, seed: int = 0, max_questions: int = 24, counter: TokenCounter | None = None
) -> Stream:
    """The first lines of BGL_2k up to `target_tokens` (all 2,000 if it is shorter) and up to
    `max_questions` alert questions, sampled (by `seed`) over the alerts in that prefix."""
    counter = counter or default_counter()
    rows = load_loghub_csv(data_file("loghub", "BGL", "BGL_2k.log_structured.csv"))
    events: list[Event] = []
    alerts: list[tuple[int, str, str]] = []
    used = 0
    for row in rows:
        if used >= target_tokens:
            break
        m = row.meta
        text = f"{m.get('Node', '')} {m.get('Level', '')} {row.text}".strip()
        ev = Event(len(events), text, ts=row.ts, source=m.get("Component", ""), kind="log")
        events.append(ev)
        used += counter.count(ev.label()) + 1
        if m.get("Label", "-") != "-":
            alerts.append((ev.seq, m.get("Node", ""), text))
    rng = random.Random(f"bgl/{seed}")
    chosen = sorted(rng.sample(alerts, min(max_questions, len(alerts))))
    questions = [
        Question(
            events[-1].seq, f"What alert did node {node} log?", (text,), (), (seq,), "exact_quote"
        )
        for seq, node, text in chosen
    ]
    return Stream(
        "bgl", "eval", seed, events, questions, {}, info={"tokens": used, "alerts": len(alerts)}
    )
