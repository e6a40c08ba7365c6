"""`ssmem demo`: the main job on embedded defaults (what `make demo` runs).

1. The five-way comparison (window, RAG, summarization, SSM, hybrid, plus full context) on
   unseen eval-split streams, reader-free metrics, written to OUT like `ssmem bench`.
2. One question answered by the local packaged model over the hybrid memory, with citations.
Everything runs offline.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

DEMO_SYSTEMS = "window,rag,full,summary,ssm,hybrid"


@click.command("demo")
@click.option("--systems", default=DEMO_SYSTEMS, show_default=True)
@click.option("--families", default="meeting,agent", show_default=True)
@click.option("--tokens", type=click.IntRange(min=200), default=2000, show_default=True)
@click.option("--budget", "-b", type=click.IntRange(min=16), default=256, show_default=True)
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
    systems: str, families: str, tokens: int, budget: int, out: Path, reader: bool
) -> None:
    """Compare the memory systems on generated evolving streams, then ask the local model."""
    from ssmem.bench.report import headline_table
    from ssmem.bench.runner import BenchConfig, run_bench

    names = tuple(s.strip() for s in systems.split(",") if s.strip())
    fams = tuple(f.strip() for f in families.split(",") if f.strip())
    cfg = BenchConfig(
        systems=names, families=fams, lengths=(tokens,), budgets=(budget,), seeds=(0,), workers=2
    )
    click.echo(
        f"1/2 Comparing {', '.join(names)} on {', '.join(fams)} streams of ~{tokens} "
        f"tokens (eval split: templates and names never seen in training), budget {budget}."
    )
    results = run_bench(cfg, out, f"ssmem demo --systems {systems} --families {families}")
    click.echo("\n".join(headline_table(results["runs"], budget)))
    click.echo(
        f"(full report: {out / 'summary.md'}; plots: {out}/*.png; "
        f"wall {results['meta']['wall_s']} s)\n"
    )
    if reader:
        ask_one(budget=max(budget, 384), tokens=tokens)


def ask_one(budget: int, tokens: int) -> None:
    """Answer one current-value question over an eval stream with the hybrid system."""
    from ssmem.bench import generate
    from ssmem.llm import load_backend
    from ssmem.orchestrator import answer
    from ssmem.systems import make_system

    stream = generate("meeting", "eval", 1_000_000, max(tokens, 2000))
    q = next(q for q in reversed(stream.questions) if q.category == "current_value")
    events = [e for e in stream.events if e.seq <= q.at_seq]
    t = time.perf_counter()
    backend = load_backend("local")
    mem = make_system("hybrid", backend.counter)
    mem.ingest(events)
    click.echo(
        f"2/2 Asking the local model over hybrid memory ({len(events)} events, "
        f"budget {budget} reader tokens):\n  Q: {q.query}"
    )
    ans = answer(mem, q.query, budget, backend)
    click.echo(f"  A: {ans.answer.strip()}  cites {['#' + str(c) for c in ans.citations]}")
    click.echo(
        f"  expected: {q.answers[0]} (from #{q.evidence[0]}); superseded: "
        f"{', '.join(q.stale) or '-'}; {ans.prompt_tokens} prompt tokens, "
        f"{time.perf_counter() - t:.1f} s"
    )
