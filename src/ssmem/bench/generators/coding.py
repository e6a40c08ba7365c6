"""Coding-session replays: edits, compiler errors, test outcomes, attempted fixes, pinned
versions that drift, and long tool outputs."""

from __future__ import annotations

import random

from ssmem.bench.generators.spec import Attr, FamilySpec, NoiseState, Vocab

ATTRS = (
    Attr(
        "version",
        {"train": ("pinned version", "version pin", "target version"), "eval": "locked release"},
        "version",
    ),
    Attr(
        "maintainer",
        {"train": ("maintainer", "assigned reviewer", "module steward"), "eval": "code owner"},
        "person",
    ),
    Attr(
        "freeze",
        {
            "train": ("code freeze date", "freeze deadline", "merge freeze date"),
            "eval": "branch cut date",
        },
        "date",
    ),
)

TEMPLATES = {
    "train": {
        "intro": (
            "Created module {entity} (src/{entity}.py) with an empty test file.",
            "$ mkdir -p src/{entity} && touch src/{entity}/__init__.py",
            "Adding a new module, {entity}, to hold the parsing helpers.",
            "git add src/{entity}.py tests/test_{entity}.py  # new module {entity}",
            "Starting work on {entity}: stubbed out the public API.",
            "Split {entity} out of utils.py into its own file.",
            "New file src/{entity}.py, registered in __init__.py.",
            "Let me create {entity} first, then wire it into the CLI.",
        ),
        "set": (
            "Setting {attr} for {entity} to {value} in pyproject.",
            "{entity}: {attr} is {value}.",
            "Wrote {attr} = {value} for {entity} into setup.cfg.",
            "Checked the repo: the {attr} of {entity} is {value}.",
            "# {entity}  {attr}: {value}",
            "Per the project docs, {entity}'s {attr} is {value}.",
            "I'll note that {entity} uses {value} as its {attr}.",
            "Config for {entity} lists {attr}: {value}.",
        ),
        "update": (
            "Bumped the {attr} of {entity}; it is {value} from now on.",
            "After the fix, {entity} uses {attr} {value}.",
            "Updated {entity}: {attr} now reads {value}.",
            "User asked to swap {entity}'s {attr} to {value}; done.",
            "git commit -m 'update {entity} {attr} to {value}'",
            "Correction: {entity} should use {attr} {value}, edited accordingly.",
            "Overrode the {attr} for {entity} with {value}.",
            "From this commit on, the {attr} of {entity} is {value}.",
        ),
        "constraint": (
            "User instruction for this whole session: {rule}.",
            "Important, please remember throughout: {rule}.",
            "Before you start: {rule}. This applies to everything you do here.",
            "Repo policy (CONTRIBUTING.md): {rule}.",
            "Hard rule for this task and all follow-ups: {rule}.",
            "Note to the assistant: {rule}, no matter what.",
            "Always, in this repo: {rule}.",
            "Please respect this the entire time: {rule}.",
        ),
        "rule": (
            "never force-push to {rule_obj}'s branch",
            "ask {rule_obj} before touching migrations",
            "don't merge anything {rule_obj} has not approved",
            "tag {rule_obj} on every dependency bump",
            "never print credentials that belong to {rule_obj}",
            "leave the vendored code from {rule_obj} untouched",
            "run the full suite before anything ships to {rule_obj}",
            "never commit directly to the branch {rule_obj} deploys from",
        ),
        "item": (
            "the flaky test in {entity}",
            "the deprecation warning from {entity}",
            "the type errors in {entity}",
            "the missing docstrings of {entity}",
            "the circular import in {entity}",
            "the coverage gap in {entity}",
            "the unused exports of {entity}",
            "the broken docs page for {entity}",
        ),
        "open": (
            "TODO: decide who owns {item}; leaving it for now.",
            "Not sure who should look at {item}; noting it as open.",
            "# FIXME: {item} needs an assignee",
            "Open issue: nobody is responsible for {item} yet.",
            "I'll leave {item} for later - it needs someone to pick it up.",
            "Question for the user: who should take {item}?",
            "Skipping {item} for now; it needs a decision on who handles it.",
            "Filed a ticket for {item}, no assignee.",
        ),
        "resolve": (
            "Resolved the TODO on {item}: assigned to {value}.",
            "User says {value} will take care of {item}.",
            "{value} picked up {item}.",
            "Ticket for {item} now assigned to {value}.",
            "Answer from the user: {item} goes to {value}.",
            "Closed the open issue on {item}; {value} is handling it.",
            "Handing {item} to {value}, per the user.",
            "{item} -> {value} (confirmed).",
        ),
        "param": (
            "pool_size",
            "retry_limit",
            "max_workers",
            "read_timeout",
            "max_overflow",
            "keepalive_s",
        ),
        "cause": (
            "Edited config for {entity}: {change}.",
            "Set {change} in {entity}/settings.py.",
            "Applied {change} to the {entity} config to speed up tests.",
            "Tuning {entity}: {change}.",
            "Per the user's request, {entity} now runs with {change}.",
            "Modified .env for {entity} with {change}.",
            "Experiment: {change} on {entity}, let's see.",
            "diff config/{entity}.toml: +{change}",
        ),
        "symptom": (
            "intermittent timeouts",
            "connection resets",
            "flaky assertion failures",
            "stale cache reads",
            "slow imports",
            "pool exhaustion warnings",
        ),
        "effect": (
            "CI run on {entity} shows {symptom} in the integration suite.",
            "pytest on {entity}: {symptom} in 3 of 40 tests.",
            "Local run of {entity} now gives {symptom}.",
            "{entity} e2e job failed with {symptom}.",
            "Logs for {entity} are full of {symptom}.",
            "GitHub Actions: {entity} matrix job reports {symptom}.",
            "Re-ran the {entity} tests; still {symptom}.",
            "Smoke test of {entity} surfaced {symptom}.",
        ),
        "quote_msg": (
            "TypeError: unsupported operand at line {n}, column {m}",
            "AssertionError: expected {n} rows, got {m}",
            "IndexError: list index {n} out of range (len {m})",
            "RuntimeError: worker {n} exited with code {m}",
        ),
        "quote": (
            "Test failure in {entity}: {quote}",
            "Error output from {entity}: {quote}",
            "pytest {entity} -x failed: {quote}",
            "Last line of the {entity} log: {quote}",
            "{entity} raised {quote}",
            "stderr ({entity}): {quote}",
            "FAILED tests/test_{entity}.py - {quote}",
            "Got this in {entity}: {quote}",
        ),
        "reading": (
            "Test suite for {entity} finished; {metric} was {value}.",
            "{entity} profiling run: {metric} = {value}.",
            "Perf check on {entity} reports {metric} {value}.",
            "timing {entity}: {metric} {value}",
            "Load test against {entity} completed, {metric} {value}.",
            "Measured {metric} for {entity}: {value}.",
            "tox -e perf ({entity}): {metric} {value}",
            "Profiler summary for {entity} - {metric}: {value}.",
        ),
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
        "Reformatted {file} with ruff: {a} lines changed, {b} left alone.",
        "Opened {file} and read lines {a}-{b}.",
        "grep found {a} matches for `{pkg}` across {b} files.",
        "Moved a helper in {file} from line {a} to line {b}.",
        "Added {a} type hints in {file}, {b} remain.",
        "pip show `{pkg}`: {a} dependencies resolved in {b} ms.",
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
