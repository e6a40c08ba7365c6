"""`ssmem bench-readers`: each packaged reader's oracle-context accuracy, speed and size.

Small on purpose (a few dozen questions per model, one thread) so it can run on a shared
machine; the conditions are printed with the table and saved in the JSON.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import click
from tqdm import tqdm

from ssmem.bench.readers import (
    bench_cases,
    demo_cases,
    locomo_cases,
    measure_speed,
    run_reader,
)
from ssmem.llm import load_backend
from ssmem.llm.models import MODELS, get_spec, install_size, installed_models
from ssmem.llm.tokenizer import reader_counter


@click.command("bench-readers")
@click.option(
    "--model", "models", multiple=True, help="Registry model (repeat); default: all installed."
)
@click.option(
    "--questions",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="Generated (or demo) questions per model.",
)
@click.option(
    "--locomo",
    "n_locomo",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="LoCoMo questions per model (needs --data).",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding locomo10.json (default: ../shared/data/locomo if present).",
)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the full results (every reply) as JSON here.",
)
def bench_readers_cmd(
    models: tuple[str, ...], questions: int, n_locomo: int, data: Path | None, threads: int,
    out: Path | None,
) -> None:  # fmt: skip
    """Measure packaged readers on oracle (gold-evidence) context; print a Markdown table."""
    names = list(models) or [m for m in MODELS if m in installed_models()]
    for name in names:
        get_spec(name)
    counter = reader_counter()
    cases = bench_cases(questions, counter)
    source = "ssmem.bench generators (eval split)"
    if cases is None:
        cases, source = demo_cases(questions), "seeded demo stream (bench generators not found)"
    data = data or Path(__file__).resolve().parents[3].parent / "shared" / "data" / "locomo"
    if n_locomo and (data / "locomo10.json").is_file():
        cases += locomo_cases(n_locomo, data)
        source += f" + {n_locomo} LoCoMo questions (gold evidence, audit-corrected)"
    load = os.getloadavg()[0]
    conditions = (
        f"{platform.node()} · {os.cpu_count()} cores · {threads} thread(s) · load average "
        f"{load:.1f} at start · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    results = []
    with tqdm(total=len(cases) * len(names), desc="reader questions", unit="q") as bar:
        for name in names:
            backend = load_backend(name, threads=threads)
            speed = measure_speed(backend)
            res = run_reader(backend, cases, bar)
            res.update(model=name, title=get_spec(name).title, size_mb=install_size(name) / 1e6,
                       **speed)  # fmt: skip
            results.append(res)
    click.echo(f"Cases: {len(cases)} ({source}). Conditions: {conditions}.\n")
    click.echo("| model | install MB | accuracy | stale | abstention recall | abstention precision "
               "| LoCoMo F1 | prompt tok/s | gen tok/s | s/answer |")  # fmt: skip
    click.echo("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        click.echo(
            f"| {r['title']} | {r['size_mb']:.0f} | {r['accuracy']:.2f} | "
            f"{r['stale_answer_rate']:.2f} | {r['abstention_recall']:.2f} | "
            f"{r['abstention_precision']:.2f} | "
            f"{r['locomo_f1']:.2f} | {r['prompt_tok_s']:.0f} | {r['gen_tok_s']:.0f} | "
            f"{r['latency_s']:.1f} |"
        )
    if out is not None:
        meta = {"cases": len(cases), "source": source, "conditions": conditions}
        out.write_text(json.dumps({"meta": meta, "models": results}, indent=1))
