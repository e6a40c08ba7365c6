"""Coding-session replays: edits, compiler errors, test outcomes, attempted fixes, pinned
versions that drift, and long tool outputs."""

from __future__ import annotations

import random

from ssmem.bench.generators.spec import Attr, FamilySpec, NoiseState, Vocab

ATTRS = (
    Attr("version", {"train": "pinned version", "eval": "locked release"}, "version"),
    Attr("maintainer", {"train": "maintainer", "eval": "code owner"}, "person"),
    Attr("freeze", {"train": "code freeze date", "eval": "branch cut date"}, "date"),
)

TEMPLATES = {
    "train": {
        "intro": ("Created module {entity} (src/{entity}.py) with an empty test file.",),
        "set": (
            "Setting {attr} for {entity} to {value} in pyproject.",
            "{entity}: {attr} is {value}.",
        ),
        "update": (
            "Bumped the {attr} of {entity}; it is {value} from now on.",
            "After the fix, {entity} uses {attr} {value}.",
        ),
        "constraint": ("User instruction for this whole session: {rule}.",),
        "rule": (
            "never force-push to {rule_obj}'s branch",
            "ask {rule_obj} before touching migrations",
        ),
        "item": ("the flaky test in {entity}", "the deprecation warning from {entity}"),
        "open": ("TODO: decide who owns {item}; leaving it for now.",),
        "resolve": ("Resolved the TODO on {item}: assigned to {value}.",),
        "param": ("pool_size", "retry_limit"),
        "cause": ("Edited config for {entity}: {change}.",),
        "symptom": ("intermittent timeouts", "connection resets"),
        "effect": ("CI run on {entity} shows {symptom} in the integration suite.",),
        "quote_msg": (
            "TypeError: unsupported operand at line {n}, column {m}",
            "AssertionError: expected {n} rows, got {m}",
        ),
        "quote": ("Test failure in {entity}: {quote}",),
        "reading": ("Test suite for {entity} finished; {metric} was {value}.",),
    },
    "eval": {
        "intro": ("New package {entity} scaffolded under lib/{entity}/.",),
        "set": ("Recorded {attr} of {entity} as {value}.", "{entity} now declares {attr} {value}."),
        "update": (
            "Rolled {entity} forward: {attr} becomes {value}.",
            "Changed {entity}'s {attr}, new value {value}.",
        ),
        "constraint": ("Rule from the user, valid for every step: {rule}.",),
        "rule": (
            "do not rewrite history on {rule_obj}'s fork",
            "loop in {rule_obj} for schema edits",
        ),
        "item": ("the slow fixture of {entity}", "the lint waiver in {entity}"),
        "open": ("Unowned: {item}. Parking it.",),
        "resolve": ("Parked item {item} now belongs to {value}.",),
        "param": ("worker_count", "cache_ttl"),
        "cause": ("Patched settings of {entity} with {change}.",),
        "symptom": ("sporadic deadlocks", "socket hangups"),
        "effect": ("Nightly build of {entity} hit {symptom}.",),
        "quote_msg": (
            "KeyError: 'field_{n}' missing in payload {m}",
            "ValueError: shape mismatch {n} vs {m}",
        ),
        "quote": ("Traceback tail from {entity}: {quote}",),
        "reading": ("Benchmarks for {entity} done, {metric} at {value}.",),
    },
}

EDIT = {
    "train": (
        "Edited {file} lines {a}-{b}: renamed a helper and adjusted imports.",
        "Ran `{pkg}` upgrade check: {a} packages up to date, {b} skipped.",
    ),
    "eval": (
        "Patched {file} around line {a}, {b} lines touched.",
        "Dependency scan for `{pkg}`: {a} ok, {b} ignored.",
    ),
}


def _long_output(rng: random.Random, vocab: Vocab, state: NoiseState) -> str:
    mod = rng.choice(state.entities) if state.entities else "core"
    lines = [
        f"{mod}/test_{rng.choice(vocab['noun']).lower()}_{i}.py::case_{rng.randrange(999)}"
        f" PASSED [{rng.randrange(1, 99)}%]"
        for i in range(rng.randrange(4, 10))
    ]
    return "pytest output:\n" + "\n".join(lines)


def noise(rng: random.Random, vocab: Vocab, state: NoiseState) -> list[tuple[str, str, str]]:
    if rng.random() < 0.3:
        return [("tool", _long_output(rng, vocab, state), "noise")]
    file = f"src/{rng.choice(state.entities) if state.entities else 'main'}.py"
    text = rng.choice(EDIT[state.split]).format(
        file=file,
        a=rng.randrange(1, 400),
        b=rng.randrange(1, 400),
        pkg=rng.choice(vocab["package"]),
    )
    return [("agent", text, "noise")]


SPEC = FamilySpec(
    name="coding",
    kind="step",
    attrs=ATTRS,
    templates=TEMPLATES,
    noise=noise,
    entity_fmt=lambda adj, noun: f"{adj}_{noun}".lower().replace(" ", "_"),
    sources={"reading": "tool", "quote": "tool", "effect": "tool", "constraint": "user"},
    reading_unit="s",
)
