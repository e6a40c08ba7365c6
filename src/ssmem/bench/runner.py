"""The benchmark matrix: systems x families x lengths x seeds, every budget scored on one
ingest, run in worker processes with a progress bar; writes results.json, summary.md and
PNG plots into the output directory.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ssmem.bench.streams import StreamOptions, expand_families, length_matters, make_stream
from ssmem.errors import InputError


@dataclass
class BenchConfig:
    systems: tuple[str, ...]
    families: tuple[str, ...]
    lengths: tuple[int, ...]
    budgets: tuple[int, ...]
    seeds: tuple[int, ...]  # seed indices: eval seed = EVAL_SEED_BASE + index
    workers: int = 2
    threads: int = 1  # torch threads per worker (1 is fastest on a shared machine)
    reader: str | None = None
    streams: StreamOptions = field(default_factory=StreamOptions)

    def __post_init__(self) -> None:
        from ssmem.systems import SYSTEMS

        for s in self.systems:
            if s not in SYSTEMS:
                raise InputError(f"unknown system {s!r} (available: {', '.join(sorted(SYSTEMS))})")
        self.families = expand_families(list(self.families))
        if not self.systems or not self.families or not self.budgets or not self.seeds:
            raise InputError("systems, families, budgets and seeds must not be empty")
        if any(b < 1 for b in self.budgets) or any(n < 200 for n in self.lengths):
            raise InputError("budgets must be >= 1 and lengths >= 200 tokens")
        if self.workers < 1 or self.threads < 1:
            raise InputError("--workers and --threads must be >= 1")


def quick_config(systems: tuple[str, ...]) -> BenchConfig:
    """The `--quick` matrix: small, every family, two budgets (see README "Benchmark")."""
    return BenchConfig(
        systems=systems,
        families=("meeting", "coding", "agent", "incident", "locomo", "babilong", "bgl"),
        lengths=(2000, 8000),
        budgets=(256, 1024),
        seeds=(0,),
        streams=StreamOptions(locomo_questions=60, bgl_questions=16),
    )


@dataclass(frozen=True)
class Job:
    system: str
    family: str
    length: int
    seed: int


def jobs_of(cfg: BenchConfig) -> list[Job]:
    jobs = []
    for fam in cfg.families:
        lengths = cfg.lengths if length_matters(fam) else (0,)
        for length in lengths:
            for seed in cfg.seeds:
                jobs.extend(Job(s, fam, length, seed) for s in cfg.systems)
    return sorted(jobs, key=lambda j: -(j.length or 30_000))  # longest first


@lru_cache(maxsize=1)
def _reader(name: str):
    try:
        from ssmem.llm import load_backend
        from ssmem.llm.reader import read_answer
    except ImportError as err:
        raise InputError(f"--reader needs the LLM layer (ssmem.llm): {err}") from None
    backend = load_backend(name)
    return lambda context, question: read_answer(backend, context, question).text


def run_job(job: Job, cfg: BenchConfig) -> list[dict[str, Any]]:
    """All budgets of one (system, family, length, seed) cell, as result rows."""
    from ssmem.bench.evaluate import evaluate
    from ssmem.tokens import default_counter

    counter = default_counter()
    stream = make_stream(job.family, job.length, job.seed, counter, cfg.streams)
    reader = _reader(cfg.reader) if cfg.reader else None
    t = time.perf_counter()
    metrics = evaluate(job.system, stream, list(cfg.budgets), counter, reader)
    wall = time.perf_counter() - t
    return [
        {
            "system": job.system,
            "family": job.family,
            "stream_tokens": job.length or m["actual_tokens"],
            "budget": b,
            "seed": stream.seed,
            "wall_s": round(wall, 3),
            "metrics": m,
        }
        for b, m in zip(cfg.budgets, metrics, strict=True)
    ]


def _init_worker(threads: int) -> None:
    os.environ["SSMEM_ENCODER_THREADS"] = str(threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(threads)


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_matrix(cfg: BenchConfig, progress: bool = True) -> list[dict[str, Any]]:
    from tqdm import tqdm

    jobs = jobs_of(cfg)
    rows: list[dict[str, Any]] = []
    bar = tqdm(total=len(jobs), desc="bench", unit="run", file=sys.stderr, disable=not progress)
    if cfg.workers == 1:
        _init_worker(cfg.threads)
        for job in jobs:
            bar.set_postfix_str(f"{job.system}/{job.family}/{job.length}")
            rows.extend(run_job(job, cfg))
            bar.update()
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(
            cfg.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init_worker,
            initargs=(cfg.threads,),
        ) as pool:
            futures = {pool.submit(run_job, j, cfg): j for j in jobs}
            for fut in as_completed(futures):
                j = futures[fut]
                bar.set_postfix_str(f"{j.system}/{j.family}/{j.length}")
                rows.extend(fut.result())
                bar.update()
    bar.close()
    key = {s: i for i, s in enumerate(cfg.systems)}
    return sorted(
        rows,
        key=lambda r: (r["family"], key[r["system"]], r["stream_tokens"], r["budget"], r["seed"]),
    )


def run_bench(cfg: BenchConfig, out: Path, command: str, progress: bool = True) -> dict:
    """Run the matrix and write results.json, summary.md and plots into `out`."""
    from ssmem.bench.report import write_report
    from ssmem.tokens import default_counter

    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    rows = run_matrix(cfg, progress)
    meta = {
        "command": command,
        "git_commit": _git_commit(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
        f"{platform.system()} {platform.release()}, python {platform.python_version()}",
        "tokenizer": default_counter().name,
        "wall_s": round(time.perf_counter() - t, 1),
        "config": asdict(cfg),
    }
    results = {"runs": rows, "meta": meta}
    (out / "results.json").write_text(json.dumps(results, indent=1, sort_keys=False))
    write_report(results, out)
    return results
