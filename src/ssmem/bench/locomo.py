"""LoCoMo as benchmark streams: one stream per conversation, every QA asked at its end.

Evidence `dia_id`s map to event seqs; the audit file's corrected evidence ids (and corrected
answers) replace the official ones where the audit has an entry (question_id
"locomo_{i}_qa{j}"). LoCoMo categories map to ours: 2 -> temporal, 5 (adversarial, no answer)
-> abstention, 1/3/4 -> current_value; the original number is kept in
`stream.info["locomo_category"]` for the official per-category F1.
"""

from __future__ import annotations

import json
import re

from ssmem.adapters.locomo import conversation_events, load_locomo_samples
from ssmem.bench.data import data_file
from ssmem.bench.types import Question, Stream

CATEGORY = {
    1: "current_value",
    2: "temporal",
    3: "current_value",
    4: "current_value",
    5: "abstention",
}


def load_audit() -> dict[str, dict]:
    path = data_file("locomo", "locomo_audit_errors.json")
    return {e["question_id"]: e for e in json.loads(path.read_text())}


def locomo_streams(
    samples: list[int] | None = None, max_questions: int | None = None
) -> list[Stream]:
    """Streams for the chosen conversations (all 10 by default), with at most `max_questions`
    QAs each (the first ones, in file order). Unresolvable evidence ids are counted in
    `info["unresolved_evidence"]`, never dropped silently."""
    path = data_file("locomo", "locomo10.json")
    data = load_locomo_samples(path)
    audit = load_audit()
    streams = []
    for i in samples if samples is not None else range(len(data)):
        sample = data[i]
        events = conversation_events(sample, str(path))
        by_dia = {e.meta["dia_id"]: e.seq for e in events}
        questions, cats, unresolved = [], [], 0
        for j, qa in enumerate(sample["qa"][:max_questions]):
            fix = audit.get(f"locomo_{i}_qa{j}", {})
            ids = fix.get("correct_evidence") or qa.get("evidence", [])
            ids = [d for raw in ids for d in re.split(r"[;,\s]+", raw) if d]
            seqs = tuple(by_dia[d] for d in ids if d in by_dia)
            unresolved += len(ids) - len(seqs)
            cat = int(qa["category"])
            answer = "" if cat == 5 else str(fix.get("correct_answer") or qa.get("answer", ""))
            if cat != 5 and not answer:
                unresolved += 1
                continue
            questions.append(
                Question(
                    events[-1].seq,
                    qa["question"],
                    (answer,) if answer else (),
                    (),
                    seqs,
                    CATEGORY[cat],
                )
            )
            cats.append(cat)
        streams.append(
            Stream(
                "locomo",
                "eval",
                i,
                events,
                questions,
                {},
                info={
                    "locomo_category": cats,
                    "unresolved_evidence": unresolved,
                    "sample_id": sample.get("sample_id"),
                },
            )
        )
    return streams
