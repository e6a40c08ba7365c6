"""`ssmem bench-restart`: a session's first read after the server crashed, per system."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("bench-restart")
@click.option("--events", type=click.IntRange(min=1), default=100_000, show_default=True)
@click.option("--systems", default="window,ssm", show_default=True,
              help="Comma-separated memory systems, one session each.")  # fmt: skip
@click.option("--batch", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--budget", type=click.IntRange(min=0), default=512, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/results/restart"),
    show_default=True,
)
def bench_restart_cmd(events: int, systems: str, batch: int, budget: int, out: Path) -> None:
    """Ingest EVENTS into one session per system on a real server, kill it (SIGKILL), start it
    again and time each session's first memory read (snapshot + replay of the tail).

    Writes restart.json and restart.md under OUT. Time it with nothing else running.
    """
    from ssmem.bench.restart import RestartBenchConfig, format_report, run

    names = tuple(s.strip() for s in systems.split(",") if s.strip())
    cfg = RestartBenchConfig(events=events, systems=names, batch=batch, budget=budget)
    result = run(cfg)
    out.mkdir(parents=True, exist_ok=True)
    (out / "restart.json").write_text(json.dumps(result, indent=2) + "\n")
    report = format_report(result)
    (out / "restart.md").write_text(report + "\n")
    click.echo(report)


if __name__ == "__main__":
    bench_restart_cmd()
