"""Meeting / project transcripts: owners, budgets and deadlines that change, commitments,
open questions settled weeks later, and chit-chat between speakers."""

from __future__ import annotations

import random

from ssmem.bench.generators.spec import Attr, FamilySpec, NoiseState, Vocab

ATTRS = (
    Attr("budget", {"train": "budget", "eval": "spending cap"}, "money"),
    Attr("owner", {"train": "owner", "eval": "lead"}, "person"),
    Attr("deadline", {"train": "deadline", "eval": "due date"}, "date"),
)

TEMPLATES = {
    "train": {
        "intro": (
            "Quick intro: {entity} is a new workstream starting this quarter.",
            "We are kicking off {entity} today.",
        ),
        "set": (
            "For {entity}, the {attr} is {value}.",
            "Let's record it: {entity} {attr} = {value}.",
        ),
        "update": (
            "Change of plan: the {attr} of {entity} is now {value}.",
            "Heads up, {entity} gets a new {attr}: {value}.",
        ),
        "constraint": ("Ground rule for everyone, all session long: {rule}.",),
        "rule": (
            "never email {rule_obj} directly",
            "nothing goes to {rule_obj} without two approvals",
        ),
        "item": ("the vendor contract for {entity}", "the launch checklist of {entity}"),
        "open": ("Open question: who signs off on {item}? Nobody has it yet.",),
        "resolve": ("Closing the loop on {item}: {value} will sign off.",),
        "param": ("headcount", "sprint_length"),
        "cause": ("We agreed to set {change} for {entity} starting next week.",),
        "symptom": ("missed milestones", "overtime complaints"),
        "effect": ("The {entity} team is reporting {symptom} again.",),
        "quote_msg": ("Budget sheet row {n} rejected: total exceeds approved cap by {m} units",),
        "quote": ('Finance bot posted for {entity}: "{quote}"',),
    },
    "eval": {
        "intro": (
            "Say hello to {entity}, a project we are launching.",
            "New initiative on the board: {entity}.",
        ),
        "set": (
            "Noting down that {entity} has {attr} {value}.",
            "{entity}: {attr} set at {value}, everyone agreed.",
        ),
        "update": (
            "Revision: {entity} now carries a {attr} of {value}.",
            "We moved the {attr} for {entity} to {value}.",
        ),
        "constraint": ("Standing instruction until further notice: {rule}.",),
        "rule": (
            "do not contact {rule_obj} without the account manager",
            "keep {rule_obj} out of every draft",
        ),
        "item": ("the hiring plan of {entity}", "the pricing page for {entity}"),
        "open": ("Unassigned so far: a reviewer for {item}. Let's come back to it.",),
        "resolve": ("Settled: {value} takes the review of {item}.",),
        "param": ("review_quota", "meeting_cadence"),
        "cause": ("Decision for {entity}: switch to {change} from Monday.",),
        "symptom": ("slipping estimates", "reviewer burnout"),
        "effect": ("Folks on {entity} keep mentioning {symptom}.",),
        "quote_msg": ("Ledger import failed at line {n}: currency code missing for entry {m}",),
        "quote": ('The tracker flagged {entity} with: "{quote}"',),
    },
}

CHAT = {
    "train": (
        "Did anyone catch {topic}? {n} people were talking about it.",
        "Random thought about {topic}, I counted {n} messages on it.",
        "Sorry I'm late, {topic} took {n} minutes this morning.",
    ),
    "eval": (
        "Has anyone got news on {topic}? Heard {n} different stories.",
        "Before we start, a word on {topic}: round {n} of that debate.",
        "I was held up by {topic}, about {n} minutes.",
    ),
}


def noise(rng: random.Random, vocab: Vocab, state: NoiseState) -> list[tuple[str, str, str]]:
    text = rng.choice(CHAT[state.split]).format(
        topic=rng.choice(vocab["topic"]), n=rng.randrange(2, 90)
    )
    return [(rng.choice(state.cast), text, "noise")]


SPEC = FamilySpec(
    name="meeting",
    kind="turn",
    attrs=ATTRS,
    templates=TEMPLATES,
    noise=noise,
    entity_fmt=lambda adj, noun: f"{adj} {noun}",
)
