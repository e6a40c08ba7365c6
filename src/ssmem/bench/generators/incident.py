"""Incident logs: heartbeat lines repeated verbatim (noise defined by repetition), routine
INFO lines, a config change or deploy, delayed errors it caused, and an anomalous reading
that is unusual only relative to the readings before it."""

from __future__ import annotations

import random

from ssmem.bench.generators.spec import Attr, FamilySpec, NoiseState, Vocab

ATTRS = (
    Attr("oncall", {"train": "on-call engineer", "eval": "pager holder"}, "person"),
    Attr("version", {"train": "deployed version", "eval": "running build"}, "version"),
    Attr("window", {"train": "maintenance window", "eval": "downtime slot"}, "date"),
)

TEMPLATES = {
    "train": {
        "intro": ("service {entity} registered with the load balancer",),
        "set": ("config: {attr} for {entity} is {value}", "{entity} {attr} set to {value}"),
        "update": (
            "rotation: {entity} {attr} now {value}",
            "deploy finished, {entity} {attr} {value}",
        ),
        "constraint": ("POLICY (applies to the whole incident): {rule}",),
        "rule": (
            "never restart {rule_obj} databases during business hours",
            "page {rule_obj} before any rollback",
        ),
        "item": ("the disk alert on {entity}", "the cert expiry of {entity}"),
        "open": ("ticket opened: owner needed for {item}",),
        "resolve": ("ticket closed: {item} handled by {value}",),
        "param": ("max_connections", "gc_interval"),
        "cause": ("config change applied on {entity}: {change}",),
        "symptom": ("503 responses", "dropped connections"),
        "effect": ("ERROR {entity}: burst of {symptom} from upstream",),
        "quote_msg": (
            "FATAL checksum mismatch in segment {n} (expected crc {m})",
            "panic: nil map write in worker {n} at offset {m}",
        ),
        "quote": ("{entity} crashed: {quote}",),
        "reading": ("metrics {entity}: {metric} {value}",),
    },
    "eval": {
        "intro": ("node pool for {entity} came online",),
        "set": ("settings {entity}: {attr} := {value}", "{entity} reports {attr} {value}"),
        "update": (
            "handover on {entity}: {attr} is {value}",
            "rollout done for {entity}, {attr} {value}",
        ),
        "constraint": ("RUNBOOK RULE (binding until the incident ends): {rule}",),
        "rule": (
            "no failover of {rule_obj} systems without approval",
            "inform {rule_obj} ahead of every restart",
        ),
        "item": ("the memory leak on {entity}", "the stale DNS entry for {entity}"),
        "open": ("incident task created, unassigned: {item}",),
        "resolve": ("incident task done: {item} fixed by {value}",),
        "param": ("thread_pool", "flush_period"),
        "cause": ("runtime flag flipped on {entity}: {change}",),
        "symptom": ("gateway timeouts", "partial writes"),
        "effect": ("WARN {entity}: rising {symptom} observed",),
        "quote_msg": (
            "ABORT journal replay failed at block {n} (inode {m})",
            "segfault in allocator arena {n}, pid {m}",
        ),
        "quote": ("{entity} died with: {quote}",),
        "reading": ("telemetry {entity}: {metric} {value}",),
    },
}

ROUTINE = {
    "train": ("GET /api/v1/items/{n} 200 {m}ms", "cache hit ratio {m}% on shard {n}"),
    "eval": ("POST /v2/records/{n} 201 in {m}ms", "compaction pass {n} freed {m} MB"),
}
HEARTBEAT = {"train": "heartbeat ok", "eval": "liveness probe passed"}


def noise(rng: random.Random, vocab: Vocab, state: NoiseState) -> list[tuple[str, str, str]]:
    if state.entities and rng.random() < 0.5:
        # The same line, over and over: noise that is obvious only from repetition.
        return [(rng.choice(state.entities[:3]), HEARTBEAT[state.split], "noise")]
    source = rng.choice(state.entities) if state.entities else "lb"
    text = rng.choice(ROUTINE[state.split]).format(
        n=rng.randrange(1, 10**5), m=rng.randrange(1, 99)
    )
    return [(source, text, "noise")]


SPEC = FamilySpec(
    name="incident",
    kind="log",
    attrs=ATTRS,
    templates=TEMPLATES,
    noise=noise,
    entity_fmt=lambda adj, noun: f"{adj}-{noun}".lower().replace(" ", "-"),
    sources={
        role: "entity" for role in ("intro", "set", "update", "cause", "effect", "quote", "reading")
    }
    | {"open": "ops", "resolve": "ops", "constraint": "ops"},
)
