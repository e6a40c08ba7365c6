"""The `ssmem` command: a click group; each subcommand lives in its own module.

User mistakes (`InputError`, click usage errors) print one line and exit 2; nothing that
looks like success is printed before the input has been read and checked.
"""

from __future__ import annotations

import sys

import click

from ssmem.cli.ask_cmd import ask_cmd
from ssmem.cli.bench_cmd import bench_cmd
from ssmem.cli.bench_ingest_cmd import bench_ingest_cmd
from ssmem.cli.bench_query_cmd import bench_query_cmd
from ssmem.cli.bench_readers_cmd import bench_readers_cmd
from ssmem.cli.bench_ssm_cmd import bench_ssm_cmd
from ssmem.cli.chat_cmd import chat_cmd
from ssmem.cli.context_cmd import context_cmd
from ssmem.cli.demo_cmd import demo_cmd
from ssmem.cli.memory_cmd import memory_cmd
from ssmem.cli.serve_cmd import bench_serve_cmd, serve_cmd
from ssmem.cli.train_cmd import train_cmd
from ssmem.errors import InputError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ssmem")
def cli() -> None:
    """ssmem: streaming state-space memory for long-running LLM systems.

    Feed it a stream (JSONL, text, chat, LoCoMo, Loghub, SWE-agent trajectories) and ask for
    the context a memory system builds for a question under a token budget.
    """


cli.add_command(context_cmd)
cli.add_command(demo_cmd)
cli.add_command(ask_cmd)
cli.add_command(chat_cmd)
cli.add_command(bench_readers_cmd)
cli.add_command(serve_cmd)
cli.add_command(bench_serve_cmd)
cli.add_command(bench_ssm_cmd)
cli.add_command(bench_cmd)
cli.add_command(memory_cmd)
cli.add_command(train_cmd)
cli.add_command(bench_ingest_cmd)
cli.add_command(bench_query_cmd)


def main(argv: list[str] | None = None) -> None:
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
