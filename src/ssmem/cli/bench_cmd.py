"""`ssmem bench`: run the benchmark matrix and write results.json, summary.md and plots."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from ssmem.errors import InputError

# --quick's systems when --systems is not given (the ablations belong to the full run).
QUICK_SYSTEMS = ("window", "full", "rag", "summary", "ssm", "hybrid")


def _ints(value: str | None, what: str) -> tuple[int, ...] | None:
    """Comma-separated integers; `a-b` is the inclusive range (seeds 0-59)."""
    if value is None:
        return None
    out: list[int] = []
    try:
        for v in (v.strip().replace("_", "") for v in value.split(",")):
            if not v:
                continue
            lo, sep, hi = v.partition("-")
            if sep and lo:
                if int(hi) < int(lo):
                    raise ValueError
                out.extend(range(int(lo), int(hi) + 1))
            else:
                out.append(int(v))
    except ValueError:
        raise InputError(
            f"--{what}: expected comma-separated integers or ranges a-b, got {value!r}"
        ) from None
    return tuple(out)


def _names(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


@click.command("bench")
@click.option("--quick", is_flag=True, help="The small matrix (< 3 min on 2 quiet cores).")
@click.option(
    "--systems",
    help="Comma-separated systems (default: every registered one; with --quick: "
    + ", ".join(QUICK_SYSTEMS)
    + ").",
)
@click.option(
    "--families",
    help="meeting,coding,agent,incident,locomo,babilong,bgl (default all); injection runs the "
    "injection checks (injection.json, injection.md) and only when named.",
)
@click.option("--lengths", help="Stream lengths in tokens, e.g. 2000,32000,1000000.")
@click.option("--budgets", help="Context budgets in tokens, e.g. 256,1024,4096.")
@click.option(
    "--seeds",
    help="Seed indices (eval seed = 1,000,000 + index; locomo: conversation; injection: stream).",
)
@click.option("--workers", type=int, default=2, show_default=True, help="Worker processes.")
@click.option("--threads", type=int, default=1, show_default=True, help="Torch threads/worker.")
@click.option("--reader", help="LLM reader backend (e.g. local, openai) for accuracy metrics.")
@click.option(
    "--haystack",
    type=click.Choice(["locomo", "loghub"]),
    default="locomo",
    show_default=True,
    help="BABILong haystack text.",
)
@click.option(
    "--embed-store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file of sentence vectors shared by runs (quality only: ingest times taken with "
    "it are not measured and the report says so).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for results.json, summary.md and the PNG plots.",
)
def bench_cmd(
    quick,
    systems,
    families,
    lengths,
    budgets,
    seeds,
    workers,
    threads,
    reader,
    haystack,
    embed_store,
    out,
) -> None:
    """Run every memory system over the benchmark matrix."""
    from dataclasses import replace

    from ssmem.bench.runner import BenchConfig, quick_config, run_bench
    from ssmem.bench.streams import StreamOptions, all_families
    from ssmem.systems import SYSTEMS

    if reader:
        try:
            from ssmem.llm import MODELS
        except ImportError as err:
            raise InputError(f"--reader {reader}: the LLM layer is not available ({err})") from None
        known = ("local", "openai", "fake", *MODELS)
        if reader not in known:
            raise InputError(
                f"--reader: unknown backend {reader!r} (available: {', '.join(known)})"
            )
    chosen = _names(systems) or tuple(SYSTEMS)
    named = _names(families)
    if named is not None and "injection" in named:
        from ssmem.bench import injection as ij

        picked = _ints(seeds, "seeds")  # stream indices; all streams when not given
        inj = ij.InjectionConfig(
            systems=_names(systems) or ij.default_systems(SYSTEMS),
            budgets=_ints(budgets, "budgets") or ij.DEFAULT_BUDGETS,
            reader=reader,
            threads=threads,
            streams=ij.pick_streams(picked) if picked is not None else (),
        )
        res = ij.run_injection_bench(inj, out, "ssmem " + shlex.join(sys.argv[1:]))
        click.echo(f"{len(res['rows'])} injection checks in {res['meta']['wall_s']} s -> "
                   f"{out}/injection.json, injection.md")  # fmt: skip
        families = ",".join(f for f in named if f != "injection")
        if not families:
            return
    if quick:
        cfg = quick_config(_names(systems) or tuple(s for s in QUICK_SYSTEMS if s in SYSTEMS))
    else:
        cfg = BenchConfig(
            systems=chosen,
            families=all_families(),
            lengths=(2000, 32000, 128000),
            budgets=(256, 1024, 4096),
            seeds=(0, 1, 2),
            streams=StreamOptions(haystack=haystack),
        )
    overrides = {
        "systems": _names(systems),
        "families": _names(families),
        "lengths": _ints(lengths, "lengths"),
        "budgets": _ints(budgets, "budgets"),
        "seeds": _ints(seeds, "seeds"),
    }
    cfg = replace(
        cfg,
        **{k: v for k, v in overrides.items() if v is not None},
        workers=workers,
        threads=threads,
        reader=reader,
        streams=replace(cfg.streams, haystack=haystack),
        embed_store=str(embed_store.resolve()) if embed_store else None,
    )
    command = "ssmem " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    results = run_bench(cfg, out, command)
    if results["meta"]["errors"]:
        raise click.ClickException(
            f"{len(results['meta']['errors'])} runs failed (see {out}/summary.md): "
            + results["meta"]["errors"][0]
        )
    click.echo(
        f"{len(results['runs'])} runs in {results['meta']['wall_s']} s -> "
        f"{out}/results.json, summary.md, *.png"
    )
