"""`ssmem bench-query`: read-path latency (context build after ingest) per system and budget.

Logic in `ssmem.bench.query_latency`; this module parses and checks options and prints.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from ssmem.errors import InputError


def _ints(text: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputError(f"{option} must be comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise InputError(f"{option} needs at least one positive integer, got {text!r}")
    return values


def _systems(text: str) -> tuple[str, ...]:
    from ssmem.systems import SYSTEMS

    names = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    if not names:
        raise InputError("--systems needs at least one system")
    for n in names:
        if n not in SYSTEMS:
            raise InputError(f"unknown system {n!r} (available: {', '.join(sorted(SYSTEMS))})")
    return names


@click.command("bench-query")
@click.option("--source", default="generated", show_default=True, help="generated | longmemeval")
@click.option("--systems", default="window,rag,ssm,hybrid", show_default=True)
@click.option("--budgets", default="1024", show_default=True, help="Comma-separated tokens.")
@click.option("--length", type=int, default=100_000, show_default=True, help="generated: tokens.")
@click.option("--haystacks", type=int, default=3, show_default=True, help="longmemeval: items.")
@click.option("--repeat", type=int, default=1, show_default=True, help="Times each query.")
@click.option("--threads", type=int, default=1, show_default=True, help="Torch/encoder threads.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
def bench_query_cmd(
    source: str,
    systems: str,
    budgets: str,
    length: int,
    haystacks: int,
    repeat: int,
    threads: int,
    json_path: Path | None,
) -> None:
    """Time context(query, budget) after ingesting a whole stream, per system, in one process.

    Prints p50/p95/mean milliseconds per system and budget, ingest seconds, and the machine's
    load average at start and end (speed figures are only comparable at similar load).
    """
    from ssmem.bench import query_latency as ql
    from ssmem.tokens import default_counter

    if source not in ql.SOURCES:
        raise InputError(f"--source must be one of {', '.join(ql.SOURCES)}, got {source!r}")
    names = _systems(systems)
    sizes = _ints(budgets, "--budgets")
    for option, value, least in (
        ("--length", length, 200),
        ("--haystacks", haystacks, 1),
        ("--repeat", repeat, 1),
        ("--threads", threads, 1),
    ):
        if value < least:
            raise InputError(f"{option} must be >= {least}, got {value}")
    counter = default_counter()
    log = lambda msg: click.echo(f"bench-query: {msg}", err=True)  # noqa: E731
    ql.set_threads(threads)
    log(f"building {source} streams")
    streams = ql.load_source(source, counter, length=length, haystacks=haystacks)
    if source == "longmemeval" and len(streams) < haystacks:
        raise InputError(f"--haystacks {haystacks}: the dev half has only {len(streams)} items")
    start = ql.machine()
    click.echo(ql.load_line("start", start))
    t0 = time.perf_counter()
    rows = ql.measure(streams, names, sizes, source, counter, repeat, log)
    wall = time.perf_counter() - t0
    end = ql.machine()
    for line in ql.markdown(rows):
        click.echo(line)
    click.echo(ql.load_line("end", end))
    click.echo(
        f"{len(streams)} stream(s), {sum(len(s.stream.events) for s in streams):,} events, "
        f"threads={threads}, repeat={repeat}, wall {wall:.1f}s"
    )
    if json_path:
        result = {
            "command": "bench-query",
            "source": source,
            "length": length if source == "generated" else None,
            "haystacks": haystacks if source == "longmemeval" else None,
            "streams": [s.name for s in streams],
            "threads": threads,
            "repeat": repeat,
            "machine_start": start,
            "machine_end": end,
            "wall_s": wall,
            "rows": [r.to_dict() for r in rows],
        }
        json_path.write_text(json.dumps(result, indent=2))
