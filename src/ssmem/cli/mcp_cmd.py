"""`ssmem mcp`: the MCP server (`integrations.mcp_server`) over a data dir or `ssmem serve`.

Local mode (the default) keeps memory in `--data-dir`, in this process; remote mode
(`--url`, with `--api-key`) uses a running `ssmem serve`. Over stdio, stdout is the
protocol's wire: nothing else is printed there (messages go to stderr).
"""

from __future__ import annotations

import sys

import click


@click.command("mcp")
@click.option(
    "--data-dir",
    envvar="SSMEM_DATA_DIR",
    default="./ssmem-data",
    show_default=True,
    help="Where memory lives in local mode (env SSMEM_DATA_DIR).",
)
@click.option(
    "--url",
    envvar="SSMEM_URL",
    default=None,
    help="Use a running `ssmem serve` at this URL instead of a data dir (env SSMEM_URL).",
)
@click.option(
    "--api-key",
    envvar="SSMEM_KEY",
    default=None,
    help="The tenant's API key for --url (env SSMEM_KEY).",
)
@click.option("--system", default=None, help="Memory system of the sessions it creates [hybrid].")
@click.option(
    "--budget",
    type=click.IntRange(min=0),
    default=None,
    help="Default read budget (tokens) of new sessions [the service's: 512].",
)
@click.option(
    "--transport",
    type=click.Choice(["stdio", "http"]),
    default="stdio",
    show_default=True,
    help="stdio (launched by the agent) or streamable HTTP (at http://HOST:PORT/mcp).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address for http.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port for http."
)
def mcp_cmd(
    data_dir: str,
    url: str | None,
    api_key: str | None,
    system: str | None,
    budget: int | None,
    transport: str,
    host: str,
    port: int,
) -> None:
    """Serve memory to agents over the Model Context Protocol (stdio or streamable HTTP).

    Tools: remember, append_events, context, memory, probe, history, sessions; resources
    ssmem://sessions and ssmem://sessions/{session}/memory. Sessions are named by the
    agent and created by their first write with --system and --budget.
    """
    import contextlib

    try:
        from ssmem.integrations.mcp_server import build_server
    except ImportError as err:
        raise click.ClickException(
            f"ssmem mcp needs the MCP SDK ({err}): pip install 'ssmem[mcp]'"
        ) from None
    from ssmem.errors import InputError
    from ssmem.integrations.sessions import open_sessions
    from ssmem.systems import DEFAULT_SYSTEM, SYSTEMS

    system = system or DEFAULT_SYSTEM
    if not url and system not in SYSTEMS:
        raise click.BadParameter(
            f"unknown system {system!r} (available: {', '.join(sorted(SYSTEMS))})",
            param_hint="--system",
        )
    try:
        with contextlib.redirect_stdout(sys.stderr):  # over stdio, stdout is the wire
            backend = open_sessions(data_dir, url, api_key, system, budget)
    except (OSError, InputError) as err:
        raise click.ClickException(f"cannot open memory: {err}") from None
    where = url or data_dir
    try:
        server = build_server(backend)
        if transport == "stdio":
            click.echo(f"ssmem mcp: serving {where} over stdio", err=True)
            server.run("stdio")
        else:
            click.echo(f"ssmem mcp: serving {where} at http://{host}:{port}/mcp", err=True)
            server.run("streamable-http", host=host, port=port)
    finally:
        backend.close()


if __name__ == "__main__":
    # `python -m ssmem.cli.mcp_cmd ARGS` = `ssmem mcp ARGS`, without importing every other
    # subcommand: agents' MCP configs and the tests start the server this way.
    try:
        mcp_cmd.main(args=sys.argv[1:], prog_name="ssmem mcp", standalone_mode=False)
    except click.ClickException as err:
        click.echo(f"ssmem: error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        sys.exit(1)
