"""Threads: updates whose subject is implicit, as real conversations write them.

A thread names its subject once ("ping": "any news on the Harbor deposit?"), then 0–3
unrelated turns pass, then the change arrives without naming it ("implicit": "heard back:
$450"). Only the conversation so far says what "it" is: a per-event reader cannot attribute
the change, a recurrent state that tracks the live thread can. `with_threads(spec, ...)`
returns a family that has such threads; the engine emits them when a family's templates
have both roles (placeholders: ping {entity} {attr}; implicit {value}, optionally {attr}).

Train and eval templates are disjoint, as everywhere in the generators.
"""

from __future__ import annotations

from dataclasses import replace

from ssmem.bench.generators.spec import FamilySpec

Roles = dict[str, dict[str, tuple[str, ...]]]

MEETING: Roles = {
    "train": {
        "ping": (
            "Where are we on the {attr} for {entity}?",
            "Any news on {entity}'s {attr}?",
            "Did finance come back about the {attr} of {entity}?",
            "Can someone chase the {attr} on {entity}?",
            "Still waiting to hear about {entity} and its {attr}, right?",
            "Quick check on {entity}: is the {attr} settled?",
            "Who has the latest on the {attr} for {entity}?",
            "Let's revisit {entity}'s {attr} before we wrap.",
        ),
        "implicit": (
            "Heard back: it's {value} now.",
            "They bumped it to {value}.",
            "Final answer from them: {value}.",
            "OK so that changed, {value} instead.",
            "Just confirmed, the new number is {value}.",
            "Turns out it's {value} after all.",
            "They came back with {value}.",
            "Update on that: {value}.",
        ),
    },
    "eval": {
        "ping": (
            "Has the {attr} for {entity} moved at all?",
            "Remind me, are we still sorting out {entity}'s {attr}?",
        ),
        "implicit": (
            "Word just came in, make that {value}.",
            "Revised again: {value}, per the email.",
        ),
    },
}

INCIDENT: Roles = {
    "train": {
        "ping": (
            "ops: checking {attr} of {entity}",
            "ops: verifying {entity} {attr} after the change request",
            "audit: {entity} {attr} under review",
            "ops: who owns {attr} for {entity}? looking",
            "ticket opened: confirm {attr} on {entity}",
            "ops: reconciling {entity} {attr} with the runbook",
            "query: current {attr} for {entity}",
            "ops: {entity} {attr} flagged for recheck",
        ),
        "implicit": (
            "ops: confirmed, now {value}",
            "result: set to {value}",
            "ops: changed it, {value}",
            "done -> {value}",
            "ops: value is {value} after the rollout",
            "ack, rolled to {value}",
            "ops: corrected, {value}",
            "resolution: {value}",
        ),
    },
    "eval": {
        "ping": (
            "ops: taking a look at {entity} {attr}",
            "check requested: {attr} of {entity}",
        ),
        "implicit": (
            "ops: settled on {value}",
            "outcome: {value} applied",
        ),
    },
}


def with_threads(spec: FamilySpec, roles: Roles, name: str) -> FamilySpec:
    """`spec` renamed to `name`, with the thread roles added to its templates."""
    templates = {split: {**spec.templates[split], **roles[split]} for split in spec.templates}
    return replace(spec, name=name, templates=templates)
