"""`ssmem context`: the context a memory system builds for a query over a stream."""

from __future__ import annotations

import json

import click

from ssmem.adapters import FORMATS, load_events
from ssmem.systems import DEFAULT_SYSTEM, SYSTEMS, make_system


def positive_budget(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    """Refuse a budget nothing fits in while the arguments are parsed, before any model loads
    (a 0 budget used to load the encoder and print an empty context with exit 0)."""
    if value < 1:
        raise click.BadParameter(f"{value}: a context needs at least 1 token")
    return value


def budget_option(default: int = 512):
    return click.option(
        "--budget",
        "-b",
        type=int,
        default=default,
        show_default=True,
        callback=positive_budget,
        help="Token budget for the context (tokens of the configured tokenizer).",
    )


def format_option():
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Stream format; detected from the file name when omitted.",
    )


@click.command("context")
@click.option(
    "--system",
    "-s",
    "system",
    type=click.Choice(sorted(SYSTEMS)),
    default=DEFAULT_SYSTEM,
    show_default=True,
)
@budget_option()
@click.option("--query", "-q", default="", help="The question the context is built for.")
@format_option()
@click.option("--json", "as_json", is_flag=True, help="Print the context as JSON.")
@click.argument("stream", type=click.Path(dir_okay=False, path_type=str))
def context_cmd(
    system: str, budget: int, query: str, fmt: str | None, as_json: bool, stream: str
) -> None:
    """Print the context SYSTEM builds for QUERY over STREAM within BUDGET tokens."""
    events = load_events(stream, fmt)
    mem = make_system(system)
    mem.ingest(events)
    ctx = mem.context(query, budget)
    if as_json:
        click.echo(json.dumps(ctx.to_dict(), ensure_ascii=False))
        return
    click.echo(f"# {system} · {ctx.tokens}/{budget} tokens · {len(events)} events")
    for seg in ctx.segments:
        seqs = f"#{seg.seqs[0]}..#{seg.seqs[-1]}" if seg.seqs else "-"
        click.echo(f"## {seg.kind} ({seg.tokens} tokens, {len(seg.seqs)} events {seqs})")
        click.echo(seg.text)
