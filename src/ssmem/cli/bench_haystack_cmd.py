"""`ssmem bench-haystack`: ingest cost of one LongMemEval-S haystack per system."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("bench-haystack")
@click.option("--systems", default="rag,rag-lme,ssm,hybrid", show_default=True,
              help="Comma-separated systems (rag is the baseline of the ratios).")  # fmt: skip
@click.option("--haystacks", default="0,1,2", show_default=True,
              help="Eval-split seeds of the longmemeval family.")  # fmt: skip
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/results/longmemeval"),
    show_default=True,
)
def bench_haystack_cmd(systems: str, haystacks: str, threads: int, out: Path) -> None:
    """Time whole LongMemEval-S haystacks' ingest per system (a fresh process each), vs rag.

    Each dev-half haystack (~115k tokens) is ingested session by session; the report gives
    seconds, tokens/s, the encoder's share and LLM calls, with each system's ratio to rag.
    Writes haystack_ingest.json and .md under OUT. Time it with nothing else running."""
    from ssmem.bench.haystack_ingest import HaystackBenchConfig, markdown, run
    from ssmem.cli.bench_cmd import _ints, _names

    cfg = HaystackBenchConfig(
        systems=_names(systems) or (),
        haystacks=_ints(haystacks, "haystacks") or (),
        threads=threads,
    )
    result = run(cfg)
    out.mkdir(parents=True, exist_ok=True)
    (out / "haystack_ingest.json").write_text(json.dumps(result, indent=1) + "\n")
    report = markdown(result)
    (out / "haystack_ingest.md").write_text(report)
    click.echo(report)
