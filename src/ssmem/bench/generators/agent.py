"""Agent trajectories: tool calls and their results, failures, revised plans, and user
constraints that must hold for the whole session."""

from __future__ import annotations

import random

from ssmem.bench.generators.spec import Attr, FamilySpec, NoiseState, Vocab

ATTRS = (
    Attr("contact", {"train": "point of contact", "eval": "liaison"}, "person"),
    Attr("limit", {"train": "spending limit", "eval": "purchase ceiling"}, "money"),
    Attr("date", {"train": "booking date", "eval": "reservation day"}, "date"),
)

TEMPLATES = {
    "train": {
        "intro": ("Plan: handle the {entity} account next.",),
        "set": (
            "Tool result: {entity} {attr} = {value}.",
            "Confirmed the {attr} for {entity}: {value}.",
        ),
        "update": (
            "Plan revised: {entity} {attr} changed to {value}.",
            "The user corrected it: {attr} of {entity} is {value}.",
        ),
        "constraint": ("User constraint for the entire session: {rule}.",),
        "rule": ("never email {rule_obj} directly", "do not share prices with {rule_obj}"),
        "item": ("the refund request of {entity}", "the duplicate invoice for {entity}"),
        "open": ("Pending: need a human to approve {item}.",),
        "resolve": ("Approval received for {item} from {value}.",),
        "param": ("batch_size", "max_retries"),
        "cause": ("Changed the agent setting {change} while working on {entity}.",),
        "symptom": ("rate-limit errors", "truncated tool results"),
        "effect": ("Calls for {entity} now fail with {symptom}.",),
        "quote_msg": ("HTTP 422 from billing API: field amount_{n} must be below {m}",),
        "quote": ("Tool error on {entity}: {quote}",),
        "reading": ("Tool latency while serving {entity}: {metric} {value}.",),
    },
    "eval": {
        "intro": ("Next target in the plan: the {entity} customer.",),
        "set": (
            "Lookup says {entity} has {attr} {value}.",
            "Observed for {entity}: {attr} is {value}.",
        ),
        "update": (
            "Replanning: {entity} now has {attr} {value}.",
            "Customer update, {entity} {attr} switched to {value}.",
        ),
        "constraint": ("Hard requirement from the user for every step: {rule}.",),
        "rule": ("route nothing to {rule_obj} without sign-off", "keep {rule_obj} off all CCs"),
        "item": ("the chargeback for {entity}", "the missing receipt of {entity}"),
        "open": ("Blocked: waiting on someone to authorise {item}.",),
        "resolve": ("Authorisation for {item} came through, signed by {value}.",),
        "param": ("parallel_calls", "timeout_s"),
        "cause": ("Adjusted runtime option {change} during the {entity} task.",),
        "symptom": ("quota exhaustion", "empty search pages"),
        "effect": ("Every request about {entity} now returns {symptom}.",),
        "quote_msg": ("Error 409 conflict: booking ref {n} already held by session {m}",),
        "quote": ("Observation for {entity}: {quote}",),
        "reading": ("Response time for {entity}'s calls: {metric} {value}.",),
    },
}

STEPS = {
    "train": ("Calling {tool} with query #{n}.", "Thought: step {n} done, moving on with {tool}."),
    "eval": ("Invoking {tool}, attempt {n}.", "Reasoning: finished sub-goal {n}, next {tool}."),
}


def noise(rng: random.Random, vocab: Vocab, state: NoiseState) -> list[tuple[str, str, str]]:
    tool = rng.choice(vocab["tool"])
    call = rng.choice(STEPS[state.split]).format(tool=tool, n=rng.randrange(1, 5000))
    rows = ", ".join(
        f"{{'id': {rng.randrange(10**5)}, 'score': 0.{rng.randrange(99)}}}"
        for _ in range(rng.randrange(2, 7))
    )
    return [("agent", call, "task"), ("tool", f"{tool} returned [{rows}]", "noise")]


SPEC = FamilySpec(
    name="agent",
    kind="step",
    attrs=ATTRS,
    templates=TEMPLATES,
    noise=noise,
    entity_fmt=lambda adj, noun: f"{adj} {noun}",
    sources={
        "constraint": "user",
        "set": "tool",
        "reading": "tool",
        "quote": "tool",
        "effect": "tool",
        "intro": "agent",
        "update": "agent",
        "cause": "agent",
        "open": "agent",
        "resolve": "user",
    },
)
