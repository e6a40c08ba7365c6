"""`ssmem demo`: the main job on embedded defaults (what `make demo` runs)."""

from __future__ import annotations

import click

from ssmem.demo import demo_stream
from ssmem.systems import SYSTEMS, make_system


@click.command("demo")
@click.option("--budget", "-b", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def demo_cmd(budget: int, seed: int) -> None:
    """Ingest a generated meeting stream and show each system's context for a few questions."""
    events, questions = demo_stream(seed)
    click.echo(f"Stream: {len(events)} events (seed {seed}); budget {budget} tokens.\n")
    for name in sorted(SYSTEMS):
        mem = make_system(name)
        mem.ingest(events)
        for q in questions[:3]:
            ctx = mem.context(q.query, budget)
            text = ctx.render()
            found = q.answer in text
            stale = [s for s in q.stale if s in text]
            click.echo(
                f"[{name}] Q: {q.query}  (answer {q.answer}: {'in context' if found else 'MISSING'}"
                f"{', stale values present: ' + ', '.join(stale) if stale else ''})"
            )
            click.echo("  " + text.replace("\n", "\n  ") + "\n")
