"""The benchmark report: summary.md (headline tables, costs, full table) and PNG plots
(metric vs budget, metric vs stream length, recall vs distance), all from results.json.
Every figure and table names the command, commit, machine and date that produced it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from ssmem.bench.metrics import READER_FREE

PLOT_METRICS = ("answerable", "evidence_recall", "stale_exposure")
# Distinct marker and dash per system, so systems with equal numbers stay visible.
STYLES = [("o", "-"), ("s", "--"), ("^", ":"), ("D", "-."), ("v", "-"), ("x", "--"), ("P", ":")]
TABLE_METRICS = tuple(m for m in READER_FREE if m != "tokens")  # tokens get their own column
READER_METRICS = ("accuracy", "stale_answer_rate", "abstention_accuracy", "qa_f1")


def _mean(vals: list[float | None]) -> float | None:
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else None


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _group(runs: list[dict], keys: tuple[str, ...], metric: str) -> dict[tuple, float | None]:
    acc: dict[tuple, list] = defaultdict(list)
    for r in runs:
        acc[tuple(r[k] for k in keys)].append(r["metrics"].get(metric))
    return {k: _mean(v) for k, v in acc.items()}


def _ordered(runs: list[dict], key: str) -> list:
    return list(dict.fromkeys(r[key] for r in runs))


def how_made(meta: dict[str, Any]) -> str:
    return (
        f"`{meta['command']}` at commit {meta['git_commit']}, {meta['date']}, on "
        f"{meta['machine']}; tokenizer {meta['tokenizer']}; wall {meta['wall_s']} s"
    )


GROUPS = {
    "meeting": "generated",
    "coding": "generated",
    "agent": "generated",
    "incident": "generated",
    "babilong-qa1": "babilong",
    "babilong-qa2": "babilong",
    "babilong-qa3": "babilong",
}


def headline_table(runs: list[dict], budget: int, partial: set[str] = frozenset()) -> list[str]:
    """One row per (family group, system) at `budget`: the four generated families pooled,
    babilong qa1-qa3 pooled; cells are means over runs. Systems in `partial` did not run every
    cell of the matrix and are starred."""
    runs = [r for r in runs if r["budget"] == budget]
    cols = (*TABLE_METRICS, "tokens")
    lines = [f"| family | system | {' | '.join(cols)} |", "|---" * (2 + len(cols)) + "|"]
    for group in dict.fromkeys(GROUPS.get(f, f) for f in sorted(_ordered(runs, "family"))):
        for s in _ordered(runs, "system"):
            sub = [
                r["metrics"]
                for r in runs
                if r["system"] == s and GROUPS.get(r["family"], r["family"]) == group
            ]
            if sub:
                cells = [
                    _fmt(_mean([m.get(c) for m in sub]), 0 if c == "tokens" else 2) for c in cols
                ]
                star = "*" if s in partial else ""
                lines.append(f"| {group} | {s}{star} | {' | '.join(cells)} |")
    return lines


def by_group_table(runs: list[dict], family: str) -> list[str]:
    """Per question group (a Question's `group`, e.g. LongMemEval's question types), pooled
    over the family's runs weighted by questions: evidence recall, answerable and stale
    exposure at each budget. Empty when the family's questions carry no groups."""
    runs = [r for r in runs if r["family"] == family]
    groups = sorted({g for r in runs for g in r["metrics"].get("by_category", {})})
    if not runs or not all(r["metrics"].get("grouped") for r in runs):
        return []
    budgets = sorted(_ordered(runs, "budget"))
    metrics = ("evidence_recall", "answerable", "stale_exposure")
    head = " | ".join(f"{m.split('_')[0]} @{b}" for m in metrics for b in budgets)
    lines = [
        f"## {family} by question type (pooled over questions)",
        "",
        f"| type | system | n | {head} |",
        "|---|---|---|" + "---|" * (len(metrics) * len(budgets)),
    ]
    for g in groups:
        for s in _ordered(runs, "system"):
            sub = [r for r in runs if r["system"] == s and g in r["metrics"]["by_category"]]
            if not sub:
                continue
            n = sum(r["metrics"]["by_category"][g]["n"] for r in sub if r["budget"] == budgets[0])
            cells = []
            for m in metrics:
                for b in budgets:
                    pairs = [
                        (r["metrics"]["by_category"][g][m], r["metrics"]["by_category"][g]["n"])
                        for r in sub
                        if r["budget"] == b and r["metrics"]["by_category"][g].get(m) is not None
                    ]
                    weight = sum(k for _, k in pairs)
                    cells.append(_fmt(sum(v * k for v, k in pairs) / weight if weight else None))
            lines.append(f"| {g} | {s} | {n} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def summary_markdown(results: dict[str, Any]) -> str:
    runs, meta = results["runs"], results["meta"]
    systems, families = _ordered(runs, "system"), sorted(_ordered(runs, "family"))
    budgets = sorted(_ordered(runs, "budget"))
    reader = any("accuracy" in r["metrics"] for r in runs)
    lines = [
        "# ssmem benchmark",
        "",
        f"Made by {how_made(meta)}.",
        "",
        "Reader-free metrics (see `ssmem.bench.metrics`): share of questions whose current "
        "answer is in the context (answerable), whose context shows a superseded value "
        "unmarked (stale_exposure, lower is better), whose context marks the current value "
        "as superseded (current_marked, lower is better), share of evidence events in the "
        "context (evidence_recall). Means over questions, then over stream lengths and "
        "seeds.",
        "",
    ]
    if meta.get("errors"):
        lines += ["**Failed runs** (not in the tables): " + "; ".join(meta["errors"]), ""]
    if meta.get("skipped"):
        skipped = sorted(
            {f"{j['system']}: {j['family']} at {j['length'] or 'full'}" for j in meta["skipped"]}
        )
        lines += ["Not run (limited to keep the matrix short): " + "; ".join(skipped) + ".", ""]
    partial = {j["system"] for j in meta.get("skipped", [])}
    for b in budgets:
        lines += [f"## Headline at budget {b}", "", *headline_table(runs, b, partial), ""]
        if partial:
            lines += [
                '\\* ran only part of the matrix (see "Not run" above): its means cover '
                "fewer, shorter streams than the other rows.",
                "",
            ]
    for metric in (
        "answerable",
        "evidence_recall",
        "stale_exposure",
        *(("accuracy",) if reader else ()),
    ):
        table = _group(runs, ("family", "system", "budget"), metric)
        lines += [
            f"## {metric} by family and budget",
            "",
            "| family | system | " + " | ".join(f"@{b}" for b in budgets) + " |",
            "|---|---|" + "---|" * len(budgets),
        ]
        for fam in families:
            for s in systems:
                cells = [_fmt(table.get((fam, s, b))) for b in budgets]
                if any(c != "–" for c in cells):
                    lines.append(f"| {fam} | {s} | " + " | ".join(cells) + " |")
        lines.append("")
    for fam in families:
        lines += by_group_table(runs, fam)
    store = (meta.get("config") or {}).get("embed_store")
    lines += [
        "## Cost per system (means over runs)",
        "",
        *(
            [
                "Ingest times are **not measured** in this run: sentence vectors came from an "
                f"embedding store (`{store}`), so an ingest skipped the model for every stored "
                "text.",
                "",
            ]
            if store
            else []
        ),
        "| system | ingest ms/event | query ms | LLM calls/event | state KB (largest) |",
        "|---|---|---|---|---|",
    ]
    for s in systems:
        sub = [r["metrics"] for r in runs if r["system"] == s]
        lines.append(
            f"| {s} | {_fmt(_mean([m['ingest_s_per_event'] * 1e3 for m in sub]), 3)} | "
            f"{_fmt(_mean([m['query_s'] * 1e3 for m in sub]), 1)} | "
            f"{_fmt(_mean([m['llm_calls_per_event'] for m in sub]), 3)} | "
            f"{max(m['state_bytes'] for m in sub) / 1024:.0f} |"
        )
    extra = READER_METRICS if reader else ()
    cols = (*TABLE_METRICS, *extra)
    lines += [
        "",
        "## All runs",
        "",
        "| family | system | tokens | budget | seed | " + " | ".join(cols) + " | questions |",
        "|---" * (6 + len(cols)) + "|",
    ]
    for r in runs:
        m = r["metrics"]
        lines.append(
            f"| {r['family']} | {r['system']} | {r['stream_tokens']} | {r['budget']} | "
            f"{r['seed']} | " + " | ".join(_fmt(m.get(c)) for c in cols) + f" | {m['questions']} |"
        )
    return "\n".join(lines) + "\n"


def _grid(n: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return plt, fig, list(axes.flat)


def _finish(plt, fig, axes, title: str, meta: dict, path: Path) -> None:
    legend: dict[str, Any] = {}  # every system, even one that is in some panels only
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    if legend:
        fig.legend(list(legend.values()), list(legend), loc="upper right")
    fig.suptitle(title, fontsize=11)
    fig.text(
        0.01,
        0.005,
        f"made by: {meta['command']} @ {meta['git_commit']}, {meta['date']}",
        fontsize=7,
    )
    fig.tight_layout(rect=(0, 0.03, 0.92, 0.95))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _series(ax, pts: list[tuple[float, float]], marker: str, dash: str, label: str) -> None:
    """One system's line in a panel (nothing when it has no points)."""
    if pts:
        ax.plot(
            [p[0] for p in pts],
            [p[1] for p in pts],
            marker=marker,
            linestyle=dash,
            alpha=0.8,
            label=label,
        )


def _bars(ax, values: list[tuple[str, float | None]]) -> None:
    """One bar per system where a line would be a single dot (one budget or one length was
    measured); colours follow the line plots' order, and a system with no value gets none."""
    import matplotlib

    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, v) in enumerate(values):
        if v is not None:
            ax.bar(i, v, color=colors[i % len(colors)], alpha=0.8, label=label)
    ax.set_xticks(range(len(values)), [label for label, _ in values], rotation=45, ha="right")


def _panel(ax, title: str, xlabel: str, ylabel: str, log_x: bool = True) -> None:
    """Shared axes of every panel: log2 x (or linear), a [0, 1] metric on y."""
    if log_x:
        ax.set_xscale("log", base=2)
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def plot_vs(runs: list[dict], meta: dict, x: str, metric: str, path: Path) -> None:
    """`metric` against `x` ("budget" or "stream_tokens"), a panel per family, a line per
    system. Against length, only the smallest budget is shown (the most pressure)."""
    fams = sorted(_ordered(runs, "family"))
    if x == "stream_tokens":
        small = min(r["budget"] for r in runs)
        runs = [r for r in runs if r["budget"] == small]
    table = _group(runs, ("family", "system", x), metric)
    # families where the metric never applies (e.g. no stale values) get no panel
    fams = [f for f in fams if any(v is not None for k, v in table.items() if k[0] == f)] or fams
    xs = _ordered(runs, x)
    plt, fig, axes = _grid(len(fams))
    for ax, fam in zip(axes, fams, strict=False):
        if len(xs) == 1:  # a line through one point is a dot: bars, and the title says so
            _bars(ax, [(s, table.get((fam, s, xs[0]))) for s in _ordered(runs, "system")])
            _panel(ax, fam, "", metric, log_x=False)
            continue
        for i, s in enumerate(_ordered(runs, "system")):
            marker, dash = STYLES[i % len(STYLES)]
            pts = sorted((k[2], v) for k, v in table.items() if k[:2] == (fam, s) and v is not None)
            _series(ax, pts, marker, dash, s)
        _panel(ax, fam, x.replace("_", " "), metric)
    note = f" (budget {min(r['budget'] for r in runs)})" if x == "stream_tokens" else ""
    title = f"{metric} vs {x.replace('_', ' ')}{note}"
    if len(xs) == 1:
        title = f"{metric} at {x.replace('_', ' ')} {xs[0]} (the only one measured){note}"
    _finish(plt, fig, axes, title, meta, path)


def _pooled(runs: list[dict], cell: tuple[str, str, int], field: str) -> dict[int, float]:
    """bin -> hit rate of a binned metric (`{bin: [hits, n]}`), pooled over the runs of one
    (family, system, budget) cell; bins with no cases left out."""
    acc: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in runs:
        if (r["family"], r["system"], r["budget"]) == cell:
            for b, (hit, n) in r["metrics"][field].items():
                acc[int(b)][0] += hit
                acc[int(b)][1] += n
    return {b: h / n for b, (h, n) in acc.items() if n}


def _plot_binned(
    runs: list[dict],
    meta: dict,
    path: Path,
    field: str,
    x_of,
    labels: tuple[str, str, str],
    log_x: bool = True,
) -> None:
    """A binned metric (`metrics[field]`: {bin: [hits, n]}) at the smallest budget, pooled
    over lengths and seeds: a panel per family, a line per system, x = `x_of(bin)`.
    `labels`: x label, y label, title (the budget is appended); a linear x axis shows every
    integer bin as a tick."""
    small = min(r["budget"] for r in runs)
    fams = sorted(_ordered(runs, "family"))
    plt, fig, axes = _grid(len(fams))
    for ax, fam in zip(axes, fams, strict=False):
        for i, s in enumerate(_ordered(runs, "system")):
            marker, dash = STYLES[i % len(STYLES)]
            acc = _pooled(runs, (fam, s, small), field)
            _series(ax, sorted((x_of(b), h) for b, h in acc.items()), marker, dash, s)
        _panel(ax, fam, labels[0], labels[1], log_x=log_x)
        if not log_x:
            ax.set_xticks(sorted({x_of(int(b)) for r in runs for b in r["metrics"][field]}))
    _finish(plt, fig, axes, f"{labels[2]} (budget {small})", meta, path)


def plot_distance(runs: list[dict], meta: dict, path: Path) -> None:
    """Share of evidence events in the context vs tokens between the event and the question."""
    labels = ("tokens between evidence and question", "evidence in context", "recall vs distance")
    _plot_binned(runs, meta, path, "recall_by_distance", lambda b: 2**b, labels)


def plot_gap(runs: list[dict], meta: dict, path: Path) -> None:
    """Implicit-update questions answerable (value next to its subject) vs the turns between
    the subject's last mention and the update; families with such questions only."""
    runs = [r for r in runs if "implicit_by_gap" in r["metrics"]]
    labels = (
        "turns since the subject was named",
        "answerable",
        "implicit updates: answerable vs gap",
    )
    _plot_binned(runs, meta, path, "implicit_by_gap", lambda g: g, labels, log_x=False)


def write_report(results: dict[str, Any], out: Path) -> list[Path]:
    """summary.md and the PNGs; returns the paths written."""
    runs, meta = results["runs"], results["meta"]
    paths = [out / "summary.md"]
    paths[0].write_text(summary_markdown(results))
    if not runs:
        return paths
    for metric in PLOT_METRICS:
        for x, name in (("budget", "budget"), ("stream_tokens", "length")):
            p = out / f"{metric}_vs_{name}.png"
            plot_vs(runs, meta, x, metric, p)
            paths.append(p)
    paths.append(out / "recall_vs_distance.png")
    plot_distance(runs, meta, paths[-1])
    if any("implicit_by_gap" in r["metrics"] for r in runs):
        paths.append(out / "implicit_vs_gap.png")
        plot_gap(runs, meta, paths[-1])
    return paths
