"""`ssmem ask`: an answer with citations from a memory system over a stream, through a reader.

With no endpoint configured it runs the default local model, offline. Budgets are counted in
the reader's own tokens (the system is built with the backend's tokenizer).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from tqdm import tqdm

from ssmem.adapters import load_events
from ssmem.cli.context_cmd import budget_option, format_option
from ssmem.cli.spinner import Spinner
from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.llm import LLMBackend, load_backend
from ssmem.orchestrator import Answer, answer
from ssmem.systems import DEFAULT_SYSTEM, SYSTEMS, MemorySystem, make_system

INGEST_BATCH = 1000


def backend_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--backend, --base-url, --model, --threads: shared by `ask`, `chat` and `bench-readers`."""
    f = click.option(
        "--threads",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="CPU threads for a local model (1 is safest on a shared machine).",
    )(f)
    f = click.option("--model", default=None, help="Model name for --backend openai.")(f)
    f = click.option(
        "--base-url", default=None, help="Endpoint for --backend openai (or SSMEM_OPENAI_BASE_URL)."
    )(f)
    return click.option(
        "--backend",
        default="local",
        show_default=True,
        envvar="SSMEM_BACKEND",
        show_envvar=True,
        help="local (default packaged model), a packaged model name, or openai.",
    )(f)


def make_backend(backend: str, base_url: str | None, model: str | None, threads: int) -> LLMBackend:
    """The reader, loaded under a spinner (a local model takes seconds to load)."""
    if backend == "openai":
        return load_backend("openai", base_url=base_url, model=model)
    if base_url or model:
        raise InputError("--base-url/--model apply to --backend openai only")
    with Spinner(f"loading the {backend} reader"):
        return load_backend(backend, threads=threads)


def build_system(name: str, events: list[Event], backend: LLMBackend) -> MemorySystem:
    """Ingest `events` into system `name` (counted in the reader's tokens), with progress."""
    batches = range(0, len(events), INGEST_BATCH)
    if len(batches) >= 5:
        mem = make_system(name, backend.counter)
        for i in tqdm(batches, desc=f"ingest {name}", unit="batch"):
            mem.ingest(events[i : i + INGEST_BATCH])
        return mem
    with Spinner(f"reading {len(events)} events into {name} memory"):
        mem = make_system(name, backend.counter)
        mem.ingest(events)
    return mem


def ask(mem: MemorySystem, query: str, budget: int, reader: LLMBackend) -> Answer:
    """The orchestrator's answer, under a spinner while the reader works."""
    with Spinner("the reader is answering"):
        return answer(mem, query, budget, reader)


def system_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--system",
        "-s",
        type=click.Choice(sorted(SYSTEMS)),
        default=DEFAULT_SYSTEM,
        show_default=True,
    )(f)


def check_budget(budget: int) -> None:
    """Refuse a budget no answer can use, before any model loads."""
    if budget < 1:
        raise click.BadParameter(
            "an answer needs at least 1 token of context", param_hint="--budget"
        )


def echo_answer(ans: Answer, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False))
        return
    cites = " ".join(f"[#{q}]" for q in ans.citations) or "-"
    click.echo(ans.answer)
    click.echo(
        f"  citations: {cites} · prompt {ans.prompt_tokens} tokens · "
        f"{ans.latency_s:.1f} s · retrieval: {ans.retrieval_fired or 'no'}"
    )


@click.command("ask")
@system_option
@budget_option()
@click.option("--query", "-q", required=True, help="The question.")
@backend_options
@format_option()
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.argument("stream", type=click.Path(dir_okay=False, path_type=str))
def ask_cmd(
    system: str,
    budget: int,
    query: str,
    backend: str,
    base_url: str | None,
    model: str | None,
    threads: int,
    fmt: str | None,
    as_json: bool,
    stream: str,
) -> None:
    """Answer QUERY from what SYSTEM remembers of STREAM, within BUDGET reader tokens."""
    if not query.strip():
        raise click.BadParameter("the question is empty", param_hint="--query")
    check_budget(budget)
    events = load_events(stream, fmt)  # a bad stream fails here, before the model loads
    reader = make_backend(backend, base_url, model, threads)
    mem = build_system(system, events, reader)
    echo_answer(ask(mem, query, budget, reader), as_json)
