"""`ssmem bench-ingest`: bulk and streaming ingest speed of the ssm system, and state size."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("bench-ingest")
@click.option(
    "--events",
    "milestones",
    default="10000,100000,1000000",
    show_default=True,
    help="Comma-separated milestones (events) at which speed and state size are read.",
)
@click.option(
    "--streaming",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Events ingested one call each, after the bulk part.",
)
@click.option(
    "--loghub",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A Loghub file whose lines are cycled as events (default: generated turns).",
)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
def bench_ingest_cmd(
    milestones: str, streaming: int, loghub: Path | None, threads: int, json_path: Path | None
) -> None:
    """Measure write-path speed (no LLM calls) and show that state does not grow."""
    from ssmem.bench.ingest import IngestBenchConfig, run
    from ssmem.errors import InputError

    try:
        marks = tuple(int(x) for x in milestones.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--events must be comma-separated integers, got {milestones!r}") from None
    if not marks or min(marks) < 1:
        raise InputError("--events needs at least one positive milestone")
    result = run(IngestBenchConfig(marks, streaming, threads=threads), loghub)
    click.echo("| events | bulk events/s | state bytes | SSM state bytes | slots |")
    click.echo("|---|---|---|---|---|")
    for r in result["rows"]:
        click.echo(
            f"| {r['events']:,} | {r['bulk_events_per_s']:,} | {r['state_bytes']:,} | "
            f"{r['ssm_state_bytes']:,} | {r['slots']} |"
        )
    click.echo(f"streaming (one event per call): {result['streaming_events_per_s']:,} events/s")
    if json_path:
        json_path.write_text(json.dumps(result, indent=2))
