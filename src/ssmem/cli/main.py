"""The `ssmem` command: a click group; each subcommand lives in its own module.

User mistakes (`InputError`, click usage errors) print one line and exit 2; nothing that
looks like success is printed before the input has been read and checked.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ssmem.errors import InputError

# name -> (module, attribute, one-line help). A command's module is imported only when that
# command runs, so `ssmem --help` and a mistyped command answer without loading torch, the
# service or a model; tests/test_cli.py checks each help line against the command's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "ask": (
        "ssmem.cli.ask_cmd",
        "ask_cmd",
        "Answer QUERY from what SYSTEM remembers of STREAM, within BUDGET reader tokens.",
    ),
    "bench": (
        "ssmem.cli.bench_cmd",
        "bench_cmd",
        "Run every memory system over the benchmark matrix.",
    ),
    "bench-ask": (
        "ssmem.cli.bench_ask_cmd",
        "bench_ask_cmd",
        "Score `ssmem ask` (same defaults) on a hand-written question set.",
    ),
    "bench-haystack": (
        "ssmem.cli.bench_haystack_cmd",
        "bench_haystack_cmd",
        "Time whole LongMemEval-S haystacks' ingest per system (a fresh process each), vs rag.",
    ),
    "bench-ingest": (
        "ssmem.cli.bench_ingest_cmd",
        "bench_ingest_cmd",
        "Measure write-path speed (no LLM calls) and show that state does not grow.",
    ),
    "bench-proxy": (
        "ssmem.cli.bench_proxy_cmd",
        "bench_proxy_cmd",
        "Replay a long real chat through `ssmem proxy` (llama.cpp upstream): tokens saved, "
        "overhead.",
    ),
    "bench-restart": (
        "ssmem.cli.bench_restart_cmd",
        "bench_restart_cmd",
        "Ingest EVENTS into one session per system on a real server, kill it (SIGKILL), start it "
        "again and time each session's first memory read (snapshot + replay of the tail).",
    ),
    "bench-query": (
        "ssmem.cli.bench_query_cmd",
        "bench_query_cmd",
        "Time context(query, budget) after ingesting a whole stream, per system, in one process.",
    ),
    "bench-readers": (
        "ssmem.cli.bench_readers_cmd",
        "bench_readers_cmd",
        "Measure packaged readers on oracle (gold-evidence) context; print a Markdown table.",
    ),
    "bench-serve": (
        "ssmem.cli.serve_cmd",
        "bench_serve_cmd",
        "Load-test the service on loopback: ingest events/s, ingest and read latency, RSS.",
    ),
    "bench-ssm": (
        "ssmem.cli.bench_ssm_cmd",
        "bench_ssm_cmd",
        "Speed and memory of the SSM (reference scan, chunked scan, step) next to "
        "nn.GRU and a causal Transformer layer with a KV cache.",
    ),
    "chat": (
        "ssmem.cli.chat_cmd",
        "chat_cmd",
        "Ask questions about STREAM interactively (one per line; `quit` or EOF ends).",
    ),
    "context": (
        "ssmem.cli.context_cmd",
        "context_cmd",
        "Print the context SYSTEM builds for QUERY over STREAM within BUDGET tokens.",
    ),
    "demo": (
        "ssmem.cli.demo_cmd",
        "demo_cmd",
        "Compare the memory systems on generated evolving streams, then ask the local model.",
    ),
    "mcp": (
        "ssmem.cli.mcp_cmd",
        "mcp_cmd",
        "Serve memory to agents over the Model Context Protocol (stdio or streamable HTTP).",
    ),
    "memory": (
        "ssmem.cli.memory_cmd",
        "memory_cmd",
        "Print the memory materialized from STREAM within BUDGET tokens.",
    ),
    "proxy": (
        "ssmem.cli.proxy_cmd",
        "proxy_cmd",
        "Serve an OpenAI-compatible chat endpoint that sends memory instead of history.",
    ),
    "sample": (
        "ssmem.cli.sample_cmd",
        "sample_cmd",
        "Print a sample stream shipped with ssmem (JSONL): `ssmem sample > meeting.jsonl`.",
    ),
    "serve": (
        "ssmem.cli.serve_cmd",
        "serve_cmd",
        "Run the memory service (HTTP + WebSocket) until interrupted.",
    ),
    "train": (
        "ssmem.cli.train_cmd",
        "train_cmd",
        "Train the SSM compressor from scratch and write OUT/final (safetensors + JSON).",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; the listing uses `COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="ssmem")
def cli() -> None:
    """ssmem: streaming state-space memory for long-running LLM systems.

    Feed it a stream (JSONL, text, chat, LoCoMo, Loghub, SWE-agent trajectories) and ask for
    the context a memory system builds for a question under a token budget.
    """


def main(argv: list[str] | None = None) -> None:
    # The encoder's "Loading weights" bar told a user nothing and broke the spinner's line.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        cli.main(args=argv, prog_name="ssmem", standalone_mode=False)
    except InputError as err:
        click.echo(f"ssmem: error: {err}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("ssmem: aborted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        click.echo(f"ssmem: error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
