"""`ssmem memory`: what the SSM compressor kept from a stream, and why."""

from __future__ import annotations

import click

from ssmem.adapters import FORMATS, load_events
from ssmem.cli.context_cmd import positive_budget
from ssmem.compressor.policy import WHO, SupersedePolicy


@click.command("memory")
@click.option("--budget", "-b", type=int, default=512, show_default=True, callback=positive_budget)
@click.option(
    "--query", "-q", default="", help="Rank slots for this question (default: by usefulness)."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None)
@click.option(
    "--checkpoint",
    type=click.Path(file_okay=False),
    default=None,
    help="Compressor checkpoint directory (default: the one shipped).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Slots (type, text, seqs, confidence, history), snapshots, the last delta and the "
    "write- and read-side settings.",
)
@click.option(
    "--supersede",
    type=click.Choice(WHO),
    default="any",
    show_default=True,
    help="Who may supersede a value: any source, only the same source, or the same source "
    "and the --trusted ones (`SupersedePolicy`).",
)
@click.option("--trusted", default="", help="Comma-separated sources that may supersede any value.")
@click.argument("stream", type=click.Path(dir_okay=False, path_type=str))
def memory_cmd(
    budget: int,
    query: str,
    fmt: str | None,
    checkpoint: str | None,
    as_json: bool,
    supersede: str,
    trusted: str,
    stream: str,
) -> None:
    """Print the memory materialized from STREAM within BUDGET tokens."""
    names = frozenset(t.strip() for t in trusted.split(",") if t.strip())
    if names and supersede != "trusted":
        raise click.BadParameter("--trusted needs --supersede trusted", param_hint="--trusted")
    policy = SupersedePolicy(supersede, names)  # type: ignore[arg-type]
    events = load_events(stream, fmt)  # a bad stream fails here, before torch and the model load
    from ssmem.systems.ssm import SSMMemory, SSMSystemConfig

    mem = SSMMemory(checkpoint=checkpoint, config=SSMSystemConfig(supersede=policy))
    mem.ingest(events)
    view = mem.memory()
    if as_json:
        click.echo(view.to_json(budget, query))
        return
    packed = view.read(query).lines(budget)
    click.echo(
        f"# memory · {packed.tokens}/{budget} tokens · {len(view.slots)} slots from "
        f"{len(events)} events ({mem.materializer.dropped} dropped as noise)"
    )
    click.echo(packed.text)
