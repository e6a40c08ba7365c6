"""`ssmem bench-ask`: what `ssmem ask` answers over a hand-written question set, scored.

Same system, budget, reader and orchestrator path as `ssmem ask` (its defaults too); one
progress line per question on stderr; the table on stdout and, with --out, JSON + Markdown.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

import click

from ssmem.bench.types import Stream
from ssmem.cli.ask_cmd import (
    backend_options,
    build_system,
    check_budget,
    make_backend,
    system_option,
)
from ssmem.cli.context_cmd import budget_option

FAMILIES = ("newuser", "handwritten")


@click.command("bench-ask")
@click.option(
    "--family",
    type=click.Choice(FAMILIES),
    default="newuser",
    show_default=True,
    help="newuser: the hand-written chats in tests/data/newuser (checkout only).",
)
@click.option("--stream", "names", multiple=True, help="Only this stream (repeat); default all.")
@system_option
@budget_option()
@backend_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for bench-ask.json (every reply) and bench-ask.md.",
)
def bench_ask_cmd(
    family: str, names: tuple[str, ...], system: str, budget: int, backend: str,
    base_url: str | None, model: str | None, threads: int, out: Path | None,
) -> None:  # fmt: skip
    """Score `ssmem ask` (same defaults) on a hand-written question set."""
    check_budget(budget)
    streams = _load(family, names)  # bad names or a missing checkout fail before the model
    reader = make_backend(backend, base_url, model, threads)
    from ssmem.bench.ask_eval import markdown_table, run_ask_eval

    start = time.perf_counter()
    result = run_ask_eval(
        streams, system, budget, reader, build_system, lambda s: click.echo(s, err=True)
    )
    wall = time.perf_counter() - start
    meta = {
        "command": "ssmem " + shlex.join(sys.argv[1:]),
        "family": family,
        "system": system,
        "budget": budget,
        "reader": getattr(reader, "name", backend),
        "threads": threads,
        "wall_s": round(wall, 1),
        "load_average_start": round(os.getloadavg()[0], 2),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    table = markdown_table(result)
    header = (
        f"System {system}, budget {budget} reader tokens, reader {meta['reader']} "
        f"({threads} thread(s)); wall {wall:.0f} s.\n\n"
    )
    click.echo(header + table)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench-ask.json").write_text(json.dumps({"meta": meta, **result}, indent=1))
        (out / "bench-ask.md").write_text(header + table)


def _load(family: str, names: tuple[str, ...]) -> list[Stream]:
    """The streams to ask over (all of the family's when `names` is empty)."""
    if family == "newuser":
        from ssmem.bench.newuser import NEWUSER, load_newuser

        return [load_newuser(n) for n in names or NEWUSER]
    from ssmem.bench.handwritten import HANDWRITTEN, load_handwritten

    return [load_handwritten(n) for n in names or HANDWRITTEN]
