"""`ssmem bench-proxy`: the memory proxy's token savings and overhead on a real conversation."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click


@click.command("bench-proxy")
@click.option("--turns", type=click.IntRange(min=2), default=200, show_default=True)
@click.option("--budget", type=click.IntRange(min=0), default=512, show_default=True)
@click.option("--recent", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--system", default="hybrid", show_default=True, help="Memory system.")
@click.option("--item", type=click.IntRange(min=0), default=0, show_default=True,
              help="LongMemEval dev-half item whose user messages are replayed.")  # fmt: skip
@click.option("--stream-turns", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--think-s", type=click.FloatRange(min=0), default=0.5, show_default=True,
              help="Pause between a reply and the next message.")  # fmt: skip
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/results"),
    show_default=True,
)
def bench_proxy_cmd(
    turns: int,
    budget: int,
    recent: int,
    system: str,
    item: int,
    stream_turns: int,
    think_s: float,
    out: Path,
) -> None:
    """Replay a long real chat through `ssmem proxy` (llama.cpp upstream): tokens saved, overhead.

    Writes proxy_bench.json, proxy_bench.md and proxy_tokens.png under OUT.
    """
    from tqdm import tqdm

    from ssmem.bench.proxy_load import ProxyBenchConfig, run, write_report

    cfg = ProxyBenchConfig(
        turns=turns, budget=budget, recent=recent, system=system, item=item,
        stream_turns=min(stream_turns, turns), think_s=think_s,
    )  # fmt: skip
    bar = tqdm(total=turns, desc="turns through the proxy", unit="turn")

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    with tempfile.TemporaryDirectory(prefix="ssmem-bench-proxy-") as work:
        result = run(cfg, Path(work), progress)
    bar.close()
    for path in write_report(result, out):
        click.echo(f"wrote {path}")
    click.echo((out / "proxy_bench.md").read_text())


if __name__ == "__main__":
    bench_proxy_cmd()
