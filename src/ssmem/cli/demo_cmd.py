"""`ssmem demo`: the main job on embedded defaults (what `make demo` runs).

1. The comparison (window, RAG, SSM, hybrid, plus full context; the LLM-written summary
   baseline with --summary, on the meeting stream only) on unseen eval-split streams,
   reader-free metrics, written to OUT like `ssmem bench`, printed with a key.
2. One question answered by the local packaged model over the hybrid memory, with citations.
Everything runs offline. Each step says what it costs before it runs.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

DEMO_SYSTEMS = "window,rag,full,ssm,hybrid"

# What each step cost in `make demo` on the project's 2-core machine (see README, docs/results.md);
# printed before the step runs so nobody waits without knowing for how long.
COST_COMPARISON = "about 15-45 s on 2 cores (no LLM call: the systems write without one)"
COST_SUMMARY = "adds about 1-1.5 min: one LLM call per 32 events of the meeting stream"
COST_READER = "about 15-35 s: loading the 1.1 GB reader, then one answer on CPU"

# The demo table's columns, what each means and which way is better.
KEY = (
    "Key (reader-free: the context each system builds is checked for the answer; each figure "
    "is a share of the questions it applies to):",
    "  answerable            the accepted answer is in the context (higher is better)",
    "  stale_exposure ↓      a superseded value is shown with no 'superseded'/'previously' "
    "marker (lower is better)",
    "  current_marked ↓      the current value is wrongly marked as superseded (lower is better)",
    "  evidence_recall       share of the events that hold the answer that are in the context",
    "  constraint_retention  share of the session's rules stated so far still in the context",
    "  quote_exact           an exact-quote question's text appears verbatim",
    "  tokens                mean context size (never over the budget)",
    "  full equals window here: the streams are longer than the budget. '-': never applies.",
)


@click.command("demo")
@click.option("--systems", default=DEMO_SYSTEMS, show_default=True)
@click.option("--families", default="meeting,agent", show_default=True)
@click.option("--tokens", type=click.IntRange(min=200), default=2000, show_default=True)
@click.option("--budget", "-b", type=click.IntRange(min=16), default=256, show_default=True)
@click.option(
    "--summary/--no-summary",
    default=False,
    show_default=True,
    help="Add the LLM-written summary baseline, on the meeting stream only (slow: an LLM "
    "call per 32 events).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/demo"),
    show_default=True,
)
@click.option(
    "--reader/--no-reader",
    default=True,
    show_default=True,
    help="Answer one question with the local model at the end.",
)
def demo_cmd(
    systems: str,
    families: str,
    tokens: int,
    budget: int,
    summary: bool,
    out: Path,
    reader: bool,
) -> None:
    """Compare the memory systems on generated evolving streams, then ask the local model."""
    from ssmem.bench.report import headline_table
    from ssmem.bench.runner import BenchConfig, run_bench

    names = tuple(s.strip() for s in systems.split(",") if s.strip())
    if summary and "summary" not in names:
        names = (*names, "summary")
    fams = tuple(f.strip() for f in families.split(",") if f.strip())
    limits = {"summary": (("meeting",), tokens)} if "summary" in names else {}
    cfg = BenchConfig(
        systems=names,
        families=fams,
        lengths=(tokens,),
        budgets=(budget,),
        seeds=(0,),
        workers=2,
        limits=limits,
    )
    steps = 2 if reader else 1
    click.echo(
        f"1/{steps} Comparing {', '.join(names)} on {', '.join(fams)} streams of ~{tokens} "
        f"tokens (eval split: templates and names never seen in training), budget {budget}. "
        f"Cost: {COST_COMPARISON}" + (f"; summary {COST_SUMMARY}." if limits else ".")
    )
    results = run_bench(cfg, out, f"ssmem demo --systems {','.join(names)} --families {families}")
    partial = {s for s in limits if any(j["system"] == s for j in results["meta"]["skipped"])}
    click.echo("\n".join(headline_table(results["runs"], budget, partial)))
    if partial:
        click.echo("  * ran on the meeting stream only")
    click.echo("\n".join(KEY))
    click.echo(
        f"(full report: {out / 'summary.md'}; plots: {out}/*.png; "
        f"wall {results['meta']['wall_s']} s)\n"
    )
    if reader:
        ask_one(budget=max(budget, 384), tokens=tokens, step=f"2/{steps}")


def ask_one(budget: int, tokens: int, step: str) -> None:
    """Answer one current-value question over an eval stream with the hybrid system."""
    from ssmem.bench import generate
    from ssmem.cli.spinner import Spinner
    from ssmem.llm import load_backend
    from ssmem.orchestrator import answer
    from ssmem.systems import make_system

    stream = generate("meeting", "eval", 1_000_000, max(tokens, 2000))
    q = next(q for q in reversed(stream.questions) if q.category == "current_value")
    events = [e for e in stream.events if e.seq <= q.at_seq]
    click.echo(
        f"{step} Asking the local model over hybrid memory ({len(events)} events, "
        f"budget {budget} reader tokens). Cost: {COST_READER}.\n  Q: {q.query}"
    )
    t = time.perf_counter()
    with Spinner("loading the local reader"):
        backend = load_backend("local")
    with Spinner("reading the stream into hybrid memory"):
        mem = make_system("hybrid", backend.counter)
        mem.ingest(events)
    with Spinner("the reader is answering"):
        ans = answer(mem, q.query, budget, backend)
    click.echo(f"  A: {ans.answer.strip()}  cites {['#' + str(c) for c in ans.citations]}")
    click.echo(
        f"  expected: {q.answers[0]} (from #{q.evidence[0]}); superseded: "
        f"{', '.join(q.stale) or '-'}; {ans.prompt_tokens} prompt tokens, "
        f"{time.perf_counter() - t:.1f} s"
    )
