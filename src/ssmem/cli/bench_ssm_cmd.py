"""`ssmem bench-ssm`: the SSM core's speed and memory table (see ssmem.bench.ssm_core)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ssmem.bench.ssm_core import SSMCoreConfig, run_bench
from ssmem.errors import InputError


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def format_table(result: dict[str, Any]) -> str:
    """The rows as a Markdown table, then the summary against the targets."""
    lines = [
        "| model | d_model | measurement | batch | length / steps | tokens/s | memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        speed = f"{r['tokens_per_s']:,.0f}" if "tokens_per_s" in r else ""
        if "peak_rss_bytes" in r:
            mem = f"peak RSS {_mib(r['peak_rss_bytes'])} (state {r['state_bytes']:,} B)"
        elif "extra_bytes" in r:
            mem = f"+{_mib(r['extra_bytes'])} (input {_mib(r['input_bytes'])})"
        elif "cache_bytes" in r:
            mem = f"KV cache {_mib(r['cache_bytes'])}"
        else:
            mem = ""
        op = r["op"] + (f" ({r['note']})" if "note" in r else "")
        lines.append(
            f"| {r['model']} | {r['d_model']} | {op} | {r['batch']} | {r['length']:,} "
            f"| {speed} | {mem} |"
        )
    s = result["summary"]
    lines += ["", "| summary (worst width) | measured | target | met |", "|---|---|---|---|"]
    for key, target in s["targets"].items():
        cmp = "<=" if key == "step_memory_growth" else ">="
        lines.append(f"| {key} | {s[key]:.4g} | {cmp} {target:g} | {s['met'][key]} |")
    m = result["machine"]
    lines.append(
        f"\ntorch {m['torch']}, {m['threads']} thread(s), {m['cpu_count']} CPUs, "
        f"1-min load average at the end {m['load_avg_1m']:.2f}"
    )
    return "\n".join(lines)


@click.command("bench-ssm")
@click.option("--quick", is_flag=True, help="Reduced set (fewer steps, 100k-step memory).")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write rows + summary as JSON here.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="torch intra-op threads.",
)
@click.option(
    "--d-model",
    "d_models",
    type=click.IntRange(min=8),
    multiple=True,
    help="Widths to measure (repeatable; default 128 and 256).",
)
def bench_ssm_cmd(
    quick: bool, json_path: Path | None, threads: int, d_models: tuple[int, ...]
) -> None:
    """Speed and memory of the SSM (reference scan, chunked scan, step) next to nn.GRU and a
    causal Transformer layer with a KV cache. Progress goes to stderr, the table to stdout."""
    if json_path is not None and not json_path.parent.is_dir():
        raise InputError("directory does not exist", path=str(json_path.parent), field="--json")
    cfg = SSMCoreConfig.quick(threads) if quick else SSMCoreConfig(threads=threads)
    if d_models:
        cfg.d_models = tuple(d_models)
    result = run_bench(cfg)
    if json_path is not None:
        json_path.write_text(json.dumps(result, indent=2) + "\n")
    click.echo(format_table(result))
