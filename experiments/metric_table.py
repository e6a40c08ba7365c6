"""Shared by the experiment scripts: run systems over (group, stream, budgets) and print the
mean of each metric per group, system and budget (and over all groups) as a Markdown table."""

import sys
from collections import defaultdict

from ssmem.bench.evaluate import evaluate
from ssmem.tokens import default_counter


def print_table(streams, systems: list[str], keys: tuple[str, ...], label: str = "data") -> None:
    """`streams`: iterable of (group, stream, budgets). Progress goes to stderr."""
    counter = default_counter()
    acc: dict[tuple, list[float]] = defaultdict(list)
    for group, stream, budgets in streams:
        for name in systems:
            for b, m in zip(budgets, evaluate(name, stream, budgets, counter), strict=True):
                for k in keys:
                    if m.get(k) is not None:
                        acc[(group, name, b, k)].append(m[k])
                        acc[("all", name, b, k)].append(m[k])
        print(f"done {group} {stream.seed}", file=sys.stderr, flush=True)
    print(f"| {label} | system | budget | {' | '.join(keys)} |")
    print("|---|---|---|" + "---|" * len(keys))
    for group, name, b in sorted({k[:3] for k in acc}):
        cells = []
        for k in keys:
            v = acc.get((group, name, b, k))
            cells.append(f"{sum(v) / len(v):.3f}" if v else "–")
        print(f"| {group} | {name} | {b} | {' | '.join(cells)} |")
