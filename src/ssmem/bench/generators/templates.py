"""Question templates shared by all families, split into disjoint train and eval sets.

Placeholders: {entity} {attr} {value} {rule_obj} {item} {symptom} {metric}.
"""

from __future__ import annotations

QUESTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "train": {
        "current": (
            "What is the current {attr} of {entity}?",
            "What {attr} does {entity} have now?",
            "As of now, what's {entity}'s {attr}?",
            "Give me the latest {attr} for {entity}.",
            "What is {entity}'s {attr} at the moment?",
        ),
        "before": (
            "What was the {attr} of {entity} before it changed to {value}?",
            "Which {attr} did {entity} have prior to {value}?",
            "{entity} has {attr} {value} now; what did it have before that?",
            "What earlier {attr} did {entity} use before {value}?",
            "Prior to the change to {value}, what {attr} did {entity} have?",
        ),
        "constraint": (
            "What standing rule did we agree about {rule_obj}?",
            "What is the rule regarding {rule_obj}?",
            "Remind me of the policy on {rule_obj}.",
            "Is there a restriction involving {rule_obj}? What is it?",
            "What must we always do or avoid with {rule_obj}?",
        ),
        "resolved": (
            "How was the open question about {item} settled?",
            "Who ended up taking {item}?",
            "Who was assigned {item} in the end?",
            "Which person took care of {item}?",
            "Who picked up {item} eventually?",
        ),
        "unresolved": (
            "What is still undecided about {item}?",
            "What remains open regarding {item}?",
            "Is anything about {item} still unresolved?",
            "What is pending on {item}?",
            "Which question about {item} is still open?",
        ),
        "cause": (
            "What change caused the {symptom} on {entity}?",
            "Why is {entity} showing {symptom}?",
            "What led to the {symptom} for {entity}?",
            "Which setting change is behind the {symptom} on {entity}?",
            "What triggered the {symptom} at {entity}?",
        ),
        "anomaly": (
            "Which {metric} reading for {entity} was abnormal?",
            "What unusual {metric} did {entity} record?",
            "Was there an outlier in {entity}'s {metric}? What value?",
            "Which {metric} value for {entity} looked wrong?",
            "What was the spike in {metric} on {entity}?",
        ),
        "quote": (
            "Quote the exact error that {entity} reported.",
            "What error message did {entity} produce, word for word?",
            "Copy the exact failure text for {entity}.",
            "What did the error from {entity} say exactly?",
            "Reproduce the exact error string {entity} gave.",
        ),
        "abstain": (
            "What is the {attr} of {entity}?",
            "What {attr} was given for {entity}?",
            "Do we know {entity}'s {attr}?",
            "Which {attr} did we note for {entity}?",
            "What's the {attr} on {entity}?",
        ),
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
