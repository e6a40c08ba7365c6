"""The LongMemEval tables of docs/longmemeval.md, from a `ssmem bench --families longmemeval`
results.json: per system and budget, evidence recall overall and per question type,
answer-in-prompt (short verbatim answers) and knowledge-update stale exposure, with n.

Run: .venv/bin/python experiments/lme_tables.py RESULTS_JSON [MORE_RESULTS_JSON ...]
(a system's runs come from the last file that has it, so a rerun of some systems at a later
commit replaces theirs).
"""

import json
import sys
from collections import defaultdict

by_system: dict[str, list] = {}
for path in sys.argv[1:]:
    with open(path) as f:
        found = [r for r in json.load(f)["runs"] if r["family"] == "longmemeval"]
    for name in dict.fromkeys(r["system"] for r in found):
        by_system[name] = [r for r in found if r["system"] == name]
runs = [r for rs in by_system.values() for r in rs]
systems = list(dict.fromkeys(r["system"] for r in runs))
budgets = sorted({r["budget"] for r in runs})
types = sorted({g for r in runs for g in r["metrics"]["by_category"]})


def mean(xs):
    xs = [x for x in xs if x is not None]
    return (sum(xs) / len(xs), len(xs)) if xs else (None, 0)


def cell(v):
    return "–" if v is None else f"{v:.2f}"


cols = " | ".join(f"@{b}" for b in budgets)
print(f"Overall ({len(runs) // (len(systems) * len(budgets))} questions)\n")
print(f"| system | evidence recall {cols} | answer in prompt {cols} | KU stale ↓ {cols} |")
print("|---|" + "---|" * (3 * len(budgets)))
for s in systems:
    cells = []
    for metric in ("evidence_recall", "answerable", "stale_exposure"):
        for b in budgets:
            v, _ = mean(
                [r["metrics"][metric] for r in runs if r["system"] == s and r["budget"] == b]
            )
            cells.append(cell(v))
    print(f"| {s} | " + " | ".join(cells) + " |")
n_ans = mean([r["metrics"]["answerable"] for r in runs if r["system"] == systems[0]])[1]
n_st = mean([r["metrics"]["stale_exposure"] for r in runs if r["system"] == systems[0]])[1]
print(f"\nanswer in prompt: {n_ans // len(budgets)} questions; KU stale: {n_st // len(budgets)}.\n")
print(f"Evidence recall by question type\n\n| type | n | system | {cols} |")
print("|---|---|---|" + "---|" * len(budgets))
by = defaultdict(list)
for r in runs:
    for g, m in r["metrics"]["by_category"].items():
        by[(g, r["system"], r["budget"])].append(m["evidence_recall"])
for g in types:
    for s in systems:
        vals = [mean(by[(g, s, b)]) for b in budgets]
        print(
            f"| {g} | {len(by[(g, s, budgets[0])])} | {s} | "
            + " | ".join(cell(v) for v, _ in vals)
            + " |"
        )
