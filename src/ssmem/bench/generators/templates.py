"""Question templates shared by all families, split into disjoint train and eval sets.

Placeholders: {entity} {attr} {value} {rule_obj} {item} {symptom} {metric}.
"""

from __future__ import annotations

QUESTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "train": {
        "current": (
            "What is the current {attr} of {entity}?",
            "What {attr} does {entity} have now?",
        ),
        "before": ("What was the {attr} of {entity} before it changed to {value}?",),
        "constraint": ("What standing rule did we agree about {rule_obj}?",),
        "resolved": ("How was the open question about {item} settled?",),
        "unresolved": ("What is still undecided about {item}?",),
        "cause": ("What change caused the {symptom} on {entity}?",),
        "anomaly": ("Which {metric} reading for {entity} was abnormal?",),
        "quote": ("Quote the exact error that {entity} reported.",),
        "abstain": ("What is the {attr} of {entity}?",),
    },
    "eval": {
        "current": (
            "Right now, what {attr} is set for {entity}?",
            "Which {attr} applies to {entity} at this point?",
        ),
        "before": ("Before {entity} switched its {attr} to {value}, what was it?",),
        "constraint": ("Which ground rule concerning {rule_obj} is in force?",),
        "resolved": ("What was the outcome of the pending item on {item}?",),
        "unresolved": ("Which point about {item} has no decision yet?",),
        "cause": ("Which earlier change explains the {symptom} seen on {entity}?",),
        "anomaly": ("Which {metric} value on {entity} stood out from the usual?",),
        "quote": ("Give the verbatim error text from {entity}.",),
        "abstain": ("Tell me the {attr} recorded for {entity}.",),
    },
}
