"""`ssmem serve` (the memory service) and `ssmem bench-serve` (its load benchmark)."""

from __future__ import annotations

import json
import sys

import click

from ssmem.service.settings import load_settings


@click.command("serve")
@click.option("--config", type=click.Path(dir_okay=False), help="JSON or TOML settings file.")
@click.option("--host", default=None, help="Bind address [127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port [8080].")
@click.option("--data-dir", default=None, help="Where the SQLite database lives [./ssmem-data].")
@click.option(
    "--db-url",
    default=None,
    help="postgresql://... to use PostgreSQL (with a password: use SSMEM_DB_URL instead).",
)
@click.option(
    "--snapshot-every",
    type=click.IntRange(min=0),
    default=None,
    help="Events between automatic snapshots [1000]; 0 = only on request.",
)
@click.option(
    "--snapshot-overhead",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Most of a session's ingest time automatic snapshots may take [0.2]; a large state "
    "is snapshotted less often than --snapshot-every. 0 = no such cap.",
)
@click.option(
    "--ground-every",
    type=click.IntRange(min=0),
    default=None,
    help="Events between re-grounding passes of a live session's memory [10000]; 0 = never.",
)
@click.option(
    "--max-live-sessions",
    type=click.IntRange(min=1),
    default=None,
    help="Sessions kept in RAM [1000]; others are restored on demand.",
)
@click.option(
    "--max-sessions-per-tenant",
    type=click.IntRange(min=0),
    default=None,
    help="Sessions a tenant may have (429 past it) [1000]; 0 = no limit.",
)
@click.option(
    "--max-model-sessions-per-tenant",
    type=click.IntRange(min=0),
    default=None,
    help="Of those, sessions whose system runs an LLM, e.g. summary (429) [100]; 0 = no limit.",
)
@click.option(
    "--max-models",
    type=click.IntRange(min=0),
    default=None,
    help="Distinct LLMs loaded in the process, shared by all sessions (503 past it) [2]; "
    "0 = no limit.",
)
@click.option(
    "--rate-per-s",
    type=click.FloatRange(min=0),
    default=None,
    help="Requests/s per tenant [200]; 0 = no limit.",
)
@click.option(
    "--rate-burst",
    type=click.IntRange(min=1),
    default=None,
    help="Requests a tenant may send at once [400].",
)
@click.option(
    "--max-batch-events", type=click.IntRange(min=1), default=None, help="Events per batch [1000]."
)
@click.option(
    "--max-event-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Bytes of one event as JSON [262144].",
)
@click.option(
    "--max-request-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Bytes of a request body or WebSocket message [4194304].",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
@click.option("--llm-backend", default=None, help="Enables /answer: local, a model name, openai.")
@click.option("--llm-base-url", default=None, help="Endpoint for --llm-backend openai.")
@click.option("--llm-model", default=None, help="Model name for --llm-backend openai.")
@click.option(
    "--llm-threads",
    type=click.IntRange(min=1),
    default=None,
    help="CPU threads of a local reader [1].",
)
def serve_cmd(config: str | None, **flags: object) -> None:
    """Run the memory service (HTTP + WebSocket) until interrupted.

    Settings come from --config, then SSMEM_* environment variables (SSMEM_ADMIN_KEY enables
    /v1/admin; SSMEM_LIMIT_<NAME> sets a limit), then these flags. Durable by default:
    a batch is acknowledged only after it is committed to the database.
    """
    import uvicorn

    from ssmem.service.app import create_app

    settings = load_settings(config, overrides=flags)
    app = create_app(settings)
    where = settings.db_url.split("@")[-1] if settings.db_url else settings.database_url()
    click.echo(f"ssmem serve: http://{settings.host}:{settings.port} (db: {where})", err=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_max_size=settings.lim.max_request_bytes,
        ws_max_queue=4,
        access_log=False,
        http="ssmem.service.protocol:JsonErrorsHTTP",  # uvicorn's own 400s as JSON errors
    )


@click.command("bench-serve")
@click.option("--sessions", type=click.IntRange(min=1), default=50, show_default=True)
@click.option(
    "--events",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Events per session.",
)
@click.option("--batch", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--system", default="window", show_default=True)
@click.option("--budget", type=click.IntRange(min=0), default=512, show_default=True)
@click.option(
    "--read-every",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="A memory read after every N batches of a session.",
)
@click.option("--concurrency", type=click.IntRange(min=1), default=50, show_default=True)
@click.option(
    "--rate",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Target events/s over all sessions (paced, open loop); 0 = as fast as possible.",
)
@click.option("--url", default=None, help="Bench a running server (needs SSMEM_BENCH_KEY).")
@click.option("--data-dir", default=None, help="Server data dir [a temporary directory].")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
def bench_serve_cmd(json_path: str | None, **opts: object) -> None:
    """Load-test the service on loopback: ingest events/s, ingest and read latency, RSS."""
    from ssmem.bench.service_load import ServiceLoadConfig, format_report, run_bench

    report = run_bench(ServiceLoadConfig(**opts))  # type: ignore[arg-type]
    click.echo(format_report(report))
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(report, fh, indent=2)
        click.echo(f"wrote {json_path}", err=True)
    sys.stdout.flush()


if __name__ == "__main__":
    # `python -m ssmem.cli.serve_cmd ARGS` = `ssmem serve ARGS`, without importing every other
    # subcommand (some pull in torch): the tests and bench-serve start servers this way.
    from ssmem.errors import InputError

    try:
        serve_cmd.main(args=sys.argv[1:], prog_name="ssmem serve", standalone_mode=False)
    except InputError as err:
        click.echo(f"ssmem: error: {err}", err=True)
        sys.exit(2)
    except click.ClickException as err:
        click.echo(f"ssmem: error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
