"""Agent trajectories: tool calls and their results, failures, revised plans, and user
constraints that must hold for the whole session."""

from __future__ import annotations

import random

from ssmem.bench.generators.spec import Attr, FamilySpec, NoiseState, Vocab

ATTRS = (
    Attr(
        "contact",
        {"train": ("point of contact", "contact person", "account rep"), "eval": "liaison"},
        "person",
    ),
    Attr(
        "limit",
        {"train": ("spending limit", "approval limit", "max spend"), "eval": "purchase ceiling"},
        "money",
    ),
    Attr(
        "date",
        {"train": ("booking date", "travel date", "scheduled date"), "eval": "reservation day"},
        "date",
    ),
)

TEMPLATES = {
    "train": {
        "intro": (
            "Plan: handle the {entity} account next.",
            "Now working on {entity}.",
            "Step 1 for {entity}: gather the account details.",
            "Picking up the ticket for {entity}.",
            "Switching context to the {entity} account.",
            "Task queue: {entity} is up.",
            "Thought: I should look at {entity} before the others.",
            "Opening the {entity} record to begin.",
        ),
        "set": (
            "Tool result: {entity} {attr} = {value}.",
            "Confirmed the {attr} for {entity}: {value}.",
            "crm_lookup -> {entity}: {attr} {value}",
            "Record fetched. {attr}: {value} (account {entity}).",
            "{{'account': '{entity}', '{attr}': '{value}'}}",
            "The account page shows {attr} {value} for {entity}.",
            "API says the {attr} of {entity} is {value}.",
            "From the profile of {entity}: {attr} set to {value}.",
        ),
        "update": (
            "Plan revised: {entity} {attr} changed to {value}.",
            "The user corrected it: {attr} of {entity} is {value}.",
            "Updating memory: the {attr} for {entity} is {value} now.",
            "User: please use {value} as the {attr} for {entity} from here on.",
            "Overwriting stored {attr} for {entity} with {value}.",
            "New info from the user - {entity}'s {attr} is {value} instead.",
            "Adjusting the plan, {entity} gets {attr} {value}.",
            "Correction applied to {entity}: {attr} {value}.",
        ),
        "constraint": (
            "User constraint for the entire session: {rule}.",
            "Before you do anything: {rule}. Keep to it throughout.",
            "System note - applies to all steps: {rule}.",
            "Please make sure, always: {rule}.",
            "Permanent order from the user: {rule}.",
            "Policy: {rule}. No exceptions in this task.",
            "One thing for the whole job: {rule}.",
            "Guardrail set by the user: {rule}.",
        ),
        "rule": (
            "never email {rule_obj} directly",
            "do not share prices with {rule_obj}",
            "always ask me before paying {rule_obj}",
            "send no attachments to {rule_obj}",
            "never book anything on behalf of {rule_obj}",
            "mask account numbers in anything sent to {rule_obj}",
            "confirm with me before messaging {rule_obj}",
            "never promise refunds to {rule_obj}",
        ),
        "item": (
            "the refund request of {entity}",
            "the duplicate invoice for {entity}",
            "the address change for {entity}",
            "the overdue payment of {entity}",
            "the plan upgrade for {entity}",
            "the cancellation request of {entity}",
            "the credit note for {entity}",
            "the travel booking of {entity}",
        ),
        "open": (
            "Pending: need a human to approve {item}.",
            "I can't approve {item} myself; escalating.",
            "Approval needed on {item}; asking the user.",
            "Holding {item} until a person okays it.",
            "Need a decision: who approves {item}?",
            "Can't proceed with {item} without human approval.",
            "Flagged {item} for manual approval.",
            "Open: {item} requires a manager's OK.",
        ),
        "resolve": (
            "Approval received for {item} from {value}.",
            "{value} approved {item}.",
            "OK from {value} on {item}, go ahead.",
            "Approved: {item} (by {value}).",
            "{value} here - {item} is fine, proceed.",
            "Go ahead with {item}; {value} gave the green light.",
            "You can do {item} now, {value} okayed it.",
            "{item} is approved. Approver: {value}.",
        ),
        "param": (
            "batch_size",
            "max_retries",
            "page_size",
            "backoff_ms",
            "max_tokens",
            "concurrency",
        ),
        "cause": (
            "Changed the agent setting {change} while working on {entity}.",
            "Set {change} to speed up the {entity} lookups.",
            "Config update before continuing with {entity}: {change}.",
            "Trying {change} for the {entity} calls.",
            "Tweaked client options for {entity}: {change}.",
            "Thought: {change} should help with {entity}; applying it.",
            "Applied {change} to the tool client during {entity}.",
            "Using {change} from here while processing {entity}.",
        ),
        "symptom": (
            "rate-limit errors",
            "truncated tool results",
            "duplicate responses",
            "stale cached answers",
            "malformed JSON payloads",
            "auth token expiries",
        ),
        "effect": (
            "Calls for {entity} now fail with {symptom}.",
            "{entity} lookups come back with {symptom}.",
            "Tool errors on {entity}: {symptom} in the last batch.",
            "The {entity} batch ended in {symptom}.",
            "Retry on {entity} gave {symptom} again.",
            "{symptom} while fetching {entity}.",
            "Status for {entity} requests: {symptom}.",
            "Warning on {entity}: {symptom} detected.",
        ),
        "quote_msg": (
            "HTTP 422 from billing API: field amount_{n} must be below {m}",
            "HTTP 500 from calendar API: slot {n} unavailable after {m} retries",
            "HTTP 403: scope missing for resource {n}, user {m}",
        ),
        "quote": (
            "Tool error on {entity}: {quote}",
            "API response for {entity}: {quote}",
            "Raw error while handling {entity}: {quote}",
            "{entity} call failed -> {quote}",
            "Result (error) for {entity}: {quote}",
            "billing_api said for {entity}: {quote}",
            "Exception caught on {entity}: {quote}",
            "Failure payload ({entity}): {quote}",
        ),
        "reading": (
            "Tool latency while serving {entity}: {metric} {value}.",
            "Metrics for {entity} calls: {metric} {value}.",
            "{entity} request stats - {metric}: {value}.",
            "Latency check ({entity}): {metric} {value}.",
            "Monitor: {metric} for {entity} = {value}.",
            "Last call batch for {entity}: {metric} {value}.",
            "Perf sample on {entity}: {metric} {value}.",
            "Timing info, {entity}: {metric} {value}.",
        ),
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
    "train": (
        "Calling {tool} with query #{n}.",
        "Thought: step {n} done, moving on with {tool}.",
        "Using {tool} for item {n}.",
        "Running {tool} (call {n}).",
        "Step {n}: {tool}.",
        "Let me try {tool} on batch {n}.",
        "Action: {tool}, request id {n}.",
        "Querying {tool}, page {n}.",
    ),
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
