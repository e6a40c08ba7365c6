"""`ssmem chat`: interactive questions over a stream, one per line, answered with citations.

Reads questions from stdin until EOF or `quit`; works piped (no prompt is printed then).
"""

from __future__ import annotations

import sys

import click

from ssmem.adapters import load_events
from ssmem.cli.ask_cmd import (
    ask,
    backend_options,
    build_system,
    check_budget,
    echo_answer,
    make_backend,
    system_option,
)
from ssmem.cli.context_cmd import budget_option, format_option


@click.command("chat")
@system_option
@budget_option()
@backend_options
@format_option()
@click.option("--json", "as_json", is_flag=True, help="One JSON answer per line.")
@click.argument("stream", type=click.Path(dir_okay=False, path_type=str))
def chat_cmd(
    system: str,
    budget: int,
    backend: str,
    base_url: str | None,
    model: str | None,
    threads: int,
    fmt: str | None,
    as_json: bool,
    stream: str,
) -> None:
    """Ask questions about STREAM interactively (one per line; `quit` or EOF ends)."""
    check_budget(budget)
    events = load_events(stream, fmt)
    reader = make_backend(backend, base_url, model, threads)
    mem = build_system(system, events, reader)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"{len(events)} events in {system}; ask away (quit to end).", err=True)
    while True:
        if interactive:
            click.echo("> ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line or line.strip() in ("quit", "exit"):
            break
        if line.strip():
            echo_answer(ask(mem, line.strip(), budget, reader), as_json)
