"""Tables for the README from an `ssmem bench` run over the implicit-update families.

    python experiments/thread_tables.py RESULTS.json

Prints, per system, the implicit-update questions' answerable and stale exposure (means over
families, lengths and seeds, with the range of the per-seed means), then the whole-stream
answerable, stale exposure and constraint retention; then implicit-update answerable per
family and length.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from statistics import mean


def main(path: str) -> None:
    with open(path) as fh:
        runs = json.load(fh)["runs"]
    systems = list(dict.fromkeys(r["system"] for r in runs))
    cell: dict[tuple, list] = defaultdict(list)
    for r in runs:
        m = r["metrics"]
        imp = m["by_category"].get("implicit_update", {})
        cell[r["system"]].append(r)
        cell[(r["system"], r["seed"])].append((imp.get("answerable"), imp.get("stale_exposure")))
    print(
        "| system | implicit answerable | (seed range) | implicit stale ↓ | all answerable"
        " | all stale ↓ | constraints |"
    )
    print("|---|---|---|---|---|---|---|")
    for s in systems:
        rs = cell[s]
        imp = [r["metrics"]["by_category"]["implicit_update"] for r in rs]
        seeds = sorted({r["seed"] for r in rs})
        per_seed = [mean(a for a, _ in cell[(s, sd)]) for sd in seeds]
        stale = [c["stale_exposure"] for c in imp if c.get("stale_exposure") is not None]
        print(
            f"| {s} | {mean(c['answerable'] for c in imp):.2f} | "
            f"{min(per_seed):.2f}–{max(per_seed):.2f} | {mean(stale):.2f} | "
            f"{mean(r['metrics']['answerable'] for r in rs):.2f} | "
            f"{mean(r['metrics']['stale_exposure'] for r in rs):.2f} | "
            f"{mean(r['metrics']['constraint_retention'] for r in rs):.2f} |"
        )
    fams = sorted({(r["family"], r["stream_tokens"]) for r in runs})
    print()
    print("| implicit answerable | " + " | ".join(f"{f} {t // 1000}k" for f, t in fams) + " |")
    print("|---|" + "---|" * len(fams))
    for s in systems:
        vals = []
        for f, t in fams:
            xs = [
                r["metrics"]["by_category"]["implicit_update"]["answerable"]
                for r in runs
                if (r["system"], r["family"], r["stream_tokens"]) == (s, f, t)
            ]
            vals.append(f"{mean(xs):.2f}")
        print(f"| {s} | " + " | ".join(vals) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
