"""Incident logs: heartbeat lines repeated verbatim (noise defined by repetition), routine
INFO lines, a config change or deploy, delayed errors it caused, and an anomalous reading
that is unusual only relative to the readings before it."""

from __future__ import annotations

import random

from ssmem.bench.generators.spec import Attr, FamilySpec, NoiseState, Vocab

ATTRS = (
    Attr(
        "oncall",
        {
            "train": ("on-call engineer", "primary on-call", "incident responder"),
            "eval": "pager holder",
        },
        "person",
    ),
    Attr(
        "version",
        {"train": ("deployed version", "live version", "release tag"), "eval": "running build"},
        "version",
    ),
    Attr(
        "window",
        {
            "train": ("maintenance window", "change window", "scheduled outage"),
            "eval": "downtime slot",
        },
        "date",
    ),
)

TEMPLATES = {
    "train": {
        "intro": (
            "service {entity} registered with the load balancer",
            "{entity} started, listening on :8080",
            "new instance group {entity} joined the cluster",
            "INFO {entity} bootstrapped, config loaded",
            "deployment {entity} created in namespace prod",
            "{entity}: service discovery entry added",
            "added {entity} to the monitoring dashboard",
            "systemd: started {entity}.service",
        ),
        "set": (
            "config: {attr} for {entity} is {value}",
            "{entity} {attr} set to {value}",
            "inventory: {entity} {attr}={value}",
            "INFO {entity} {attr}: {value}",
            "cmdb record {entity}: {attr} {value}",
            "{entity} registered {attr} {value}",
            "ops note: {entity} has {attr} {value}",
            "{attr} on {entity} initialised to {value}",
        ),
        "update": (
            "rotation: {entity} {attr} now {value}",
            "deploy finished, {entity} {attr} {value}",
            "{entity} {attr} updated -> {value}",
            "shift change: {entity} {attr} is {value} from this point",
            "INFO {entity} config reloaded, {attr} {value}",
            "correction for {entity}: {attr} {value}",
            "{entity}: {attr} bumped to {value}",
            "{entity}: new {attr} {value} takes effect",
        ),
        "constraint": (
            "POLICY (applies to the whole incident): {rule}",
            "IC directive for the duration: {rule}",
            "ops: policy for this incident, all shifts: {rule}",
            "NOTICE to all responders: {rule}",
            "incident commander: for every responder on this, {rule}",
            "CHANGE FREEZE RULE: {rule}",
            "reminder pinned in #incident: {rule}",
            "ops policy, effective now and throughout: {rule}",
        ),
        "rule": (
            "never restart {rule_obj} databases during business hours",
            "page {rule_obj} before any rollback",
            "cc {rule_obj} on every status update",
            "no data exports for {rule_obj} while the incident is open",
            "never drain {rule_obj} traffic without a second responder",
            "escalate {rule_obj} tickets to sev2 or higher",
            "keep {rule_obj} dashboards read-only",
            "share no raw logs with {rule_obj}",
        ),
        "item": (
            "the disk alert on {entity}",
            "the cert expiry of {entity}",
            "the high iowait on {entity}",
            "the failing cron job of {entity}",
            "the noisy alert rule for {entity}",
            "the orphaned volumes of {entity}",
            "the log rotation on {entity}",
            "the firewall exception for {entity}",
        ),
        "open": (
            "ticket opened: owner needed for {item}",
            "action item needs an assignee: {item}",
            "jira: new issue, no assignee yet - {item}",
            "followup required on {item}, who can take it?",
            "triage queue: {item} (nobody on it)",
            "@here need a volunteer for {item}",
            "open action: {item}",
            "pending owner: {item}",
        ),
        "resolve": (
            "ticket closed: {item} handled by {value}",
            "{value} took {item}",
            "{item} resolved by {value}",
            "jira: {item} assigned to {value}",
            "action item closed, {value} sorted {item}",
            "{value} is on {item}, ack",
            "update: {item} handled, thanks {value}",
            "assignee set for {item}: {value}",
        ),
        "param": (
            "max_connections",
            "gc_interval",
            "keepalive_timeout",
            "worker_processes",
            "read_buffer_kb",
            "replica_lag_max",
        ),
        "cause": (
            "config change applied on {entity}: {change}",
            "{entity} restarted with {change}",
            "deploy {entity}: {change}",
            "ansible run on {entity} set {change}",
            "hotfix to {entity}: {change}",
            "sysctl on {entity}: {change}",
            "feature toggle update {entity} {change}",
            "INFO {entity} reloaded config ({change})",
        ),
        "symptom": (
            "503 responses",
            "dropped connections",
            "slow queries",
            "TLS handshake failures",
            "connection refusals",
            "high retransmits",
        ),
        "effect": (
            "ERROR {entity}: burst of {symptom} from upstream",
            "ERROR {entity} {symptom} above threshold",
            "{entity}: alert fired, {symptom}",
            "ALERT {entity} {symptom} detected by synthetic checks",
            "CRIT {entity}: {symptom} spiking",
            "{entity} clients seeing {symptom}",
            "ERROR {entity}: {symptom} on 4 of 6 pods",
            "pagerduty: {entity} {symptom}",
        ),
        "quote_msg": (
            "FATAL checksum mismatch in segment {n} (expected crc {m})",
            "panic: nil map write in worker {n} at offset {m}",
            "OOMKilled: container {n} exceeded limit by {m} MiB",
            "ERROR replication slot {n} lagging {m} seconds",
        ),
        "quote": (
            "{entity} crashed: {quote}",
            "{entity} exited: {quote}",
            "last log line from {entity}: {quote}",
            "kernel on {entity}: {quote}",
            "{entity} stderr: {quote}",
            "crash report {entity} :: {quote}",
            "core dump on {entity}, message: {quote}",
            "{entity} terminated with error: {quote}",
        ),
        "reading": (
            "metrics {entity}: {metric} {value}",
            "{entity} {metric}={value}",
            "prometheus {entity} {metric} {value}",
            "stats {entity} {metric} {value}",
            "sample {entity}: {metric} {value}",
            "gauge {entity} {metric} {value}",
            "{entity} monitor: {metric} {value}",
            "scrape {entity} -> {metric} {value}",
        ),
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
    "train": (
        "GET /api/v1/items/{n} 200 {m}ms",
        "cache hit ratio {m}% on shard {n}",
        "GET /health 200 {m}ms (req {n})",
        "gc pause {m}ms, heap {n} KB",
        "rotated log file, {n} lines, {m} KB",
        "PUT /api/v1/users/{n} 204 {m}ms",
        "connection pool: {m} idle, {n} total",
        "cron job {n} finished in {m}s",
    ),
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
