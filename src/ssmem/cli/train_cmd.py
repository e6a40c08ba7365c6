"""`ssmem train`: train the compressor on the generators' train split and on real text
(LoCoMo 3-7, LongMemEval fit items, Loghub; CPU, resumable)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import click


@click.command("train")
@click.option(
    "--preset",
    type=click.Choice(["default", "no-recurrence", "generated", "real", "tiny", "tiny-real"]),
    default="default",
    show_default=True,
    help="default = the shipped checkpoint (generated families, and real text as 1 stream "
    "in 8: LoCoMo 3-7, LongMemEval fit items, Loghub, read from SSMEM_SHARED_DATA or "
    "../shared/data); no-recurrence = its per-event ablation; generated = generated "
    "families only (the checkpoint before); real = half of each batch real (measured, "
    "not shipped).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/train"),
    show_default=True,
    help="Run directory; rerunning the same command resumes from it.",
)
@click.option(
    "--steps", type=click.IntRange(min=1), default=None, help="Override the preset's steps."
)
@click.option(
    "--threads", type=click.IntRange(min=1), default=None, help="torch threads (default 1)."
)
@click.option(
    "--stop-after",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after N steps of this run (resume later with the same command).",
)
@click.option(
    "--install", is_flag=True, help="Copy the result over the checkpoint shipped in the package."
)
def train_cmd(
    preset: str,
    out: Path,
    steps: int | None,
    threads: int | None,
    stop_after: int | None,
    install: bool,
) -> None:
    """Train the SSM compressor from scratch and write OUT/final (safetensors + JSON)."""
    from ssmem.compressor.checkpoint import default_checkpoint_dir
    from ssmem.train.trainer import PRESETS, train

    cfg = PRESETS[preset]
    if steps is not None:
        cfg = replace(cfg, steps=steps)
    if threads is not None:
        cfg = replace(cfg, threads=threads)
    final = train(cfg, out, stop_after=stop_after)
    if final is None:
        click.echo(f"stopped; resume point in {out / 'resume'} (rerun the same command)")
        return
    click.echo(f"checkpoint: {final}")
    if install:
        from ssmem.compressor import NOREC_DIR

        target = default_checkpoint_dir()
        if preset == "no-recurrence":
            target = target.parent / NOREC_DIR
        target.mkdir(parents=True, exist_ok=True)
        for name in ("model.safetensors", "config.json"):
            shutil.copyfile(final / name, target / name)
        click.echo(f"installed: {target}")
