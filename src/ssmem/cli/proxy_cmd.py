"""`ssmem proxy`: an OpenAI-compatible chat endpoint that sends memory instead of history."""

from __future__ import annotations

import click


@click.command("proxy")
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address.")
@click.option("--port", type=click.IntRange(0, 65535), default=8090, show_default=True)
@click.option(
    "--upstream",
    envvar="SSMEM_UPSTREAM_URL",
    default="",
    help="OpenAI-compatible base URL (…/v1) [default: a packaged local model in-process].",
)
@click.option(
    "--upstream-key", envvar="SSMEM_UPSTREAM_KEY", default=None, help="API key for --upstream."
)
@click.option(
    "--model",
    default="",
    help="Model name sent upstream (overrides the request's); for the local upstream, which "
    "packaged model to load [the default reader].",
)
@click.option(
    "--budget", type=click.IntRange(min=0), default=512, show_default=True,
    help="Memory context tokens per request.",
)  # fmt: skip
@click.option(
    "--recent", type=click.IntRange(min=1), default=4, show_default=True,
    help="Conversation messages passed verbatim (the new one included).",
)  # fmt: skip
@click.option(
    "--data-dir",
    envvar="SSMEM_DATA_DIR",
    default="./ssmem-data",
    show_default=True,
    help="Where memory lives (local mode).",
)
@click.option("--url", envvar="SSMEM_URL", default="", help="Keep memory on this ssmem serve.")
@click.option("--api-key", envvar="SSMEM_KEY", default=None, help="Tenant key for --url.")
@click.option("--system", default=None, help="Memory system of new sessions [hybrid].")
@click.option(
    "--default-session",
    default="default",
    show_default=True,
    help="Session of requests that name none (X-Ssmem-Session header or `user` field).",
)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True)
def proxy_cmd(
    host: str,
    port: int,
    upstream: str,
    upstream_key: str | None,
    model: str,
    budget: int,
    recent: int,
    data_dir: str,
    url: str,
    api_key: str | None,
    system: str | None,
    default_session: str,
    threads: int,
) -> None:
    """Serve an OpenAI-compatible chat endpoint that sends memory instead of history.

    Each request's new messages and the model's reply are stored in the conversation's
    memory session; the upstream model gets the system prompt, the memory context for the
    last user message within BUDGET tokens, and the RECENT last messages. Point a client at
    it with OPENAI_BASE_URL=http://HOST:PORT/v1.
    """
    import uvicorn

    from ssmem.integrations.proxy import Proxy, ProxyConfig, create_proxy_app
    from ssmem.integrations.sessions import open_sessions
    from ssmem.integrations.upstream import HttpUpstream, LocalUpstream, Upstream
    from ssmem.llm.models import DEFAULT_MODEL
    from ssmem.systems import DEFAULT_SYSTEM

    system = system or DEFAULT_SYSTEM
    memory = open_sessions(data_dir, url or None, api_key, system)
    up: Upstream
    if upstream:
        up = HttpUpstream(upstream, upstream_key)
    else:
        up = LocalUpstream(model or DEFAULT_MODEL, threads=threads)
        model = model or DEFAULT_MODEL
    proxy = Proxy(memory, up, ProxyConfig(budget, recent, default_session, model))
    proxy.warm_up()
    where = url or data_dir
    click.echo(
        f"ssmem proxy on http://{host}:{port}/v1 → {up.name}; memory: {system} in {where}",
        err=True,
    )
    try:
        uvicorn.run(create_proxy_app(proxy), host=host, port=port, log_level="warning")
    finally:
        proxy.close()  # pending writes behind finish before memory closes
        up.close()
        memory.close()


if __name__ == "__main__":
    proxy_cmd()
