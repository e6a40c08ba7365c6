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

from ssmem.bench.streams import (
    StreamOptions,
    expand_families,
    fixed_streams,
    length_matters,
    make_stream,
)
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
    # system -> (families, max stream tokens) it is limited to; for systems too slow for the
    # whole matrix (e.g. summary's LLM call per write in --quick). Skips are listed in meta.
    limits: dict[str, tuple[tuple[str, ...], int]] = field(default_factory=dict)
    # an EmbeddingStore file shared by workers and runs: quality figures only (the report
    # marks ingest times as not measured)
    embed_store: str | None = None

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


GENERATED = ("meeting", "coding", "agent", "incident")


def quick_config(systems: tuple[str, ...]) -> BenchConfig:
    """The `--quick` matrix: every family, two lengths, three budgets, one seed; the system
    that writes with an LLM (summary) only on the 2k-token meeting stream."""
    return BenchConfig(
        systems=systems,
        families=(*GENERATED, "locomo", "babilong", "bgl", "handwritten"),
        lengths=(2000, 8000),
        budgets=(256, 1024, 4096),  # 4096 holds a whole 2k stream: full context's ceiling
        seeds=(0,),
        streams=StreamOptions(locomo_questions=40, bgl_questions=16),
        # one LLM call per 32 events: ~1-2 s per event on a shared 2-core machine
        limits={"summary": (("meeting",), 2000)},
    )


@dataclass(frozen=True)
class Job:
    system: str
    family: str
    length: int
    seed: int


def allowed(cfg: BenchConfig, job: Job) -> bool:
    if job.system not in cfg.limits:
        return True
    families, max_tokens = cfg.limits[job.system]
    return job.family in families and 0 < job.length <= max_tokens


def jobs_of(cfg: BenchConfig) -> tuple[list[Job], list[Job]]:
    """(jobs to run, longest first; jobs skipped by `cfg.limits`)."""
    jobs = []
    for fam in cfg.families:
        lengths = cfg.lengths if length_matters(fam) else (0,)
        for length in lengths:
            cap = fixed_streams(fam)
            for seed in (s for s in cfg.seeds if cap is None or s < cap):
                jobs.extend(Job(s, fam, length, seed) for s in cfg.systems)
    run = [j for j in jobs if allowed(cfg, j)]
    skipped = [j for j in jobs if not allowed(cfg, j)]
    # Slow (limited) systems first, then longest first: no long job is left for the end while
    # the other workers idle.
    order = sorted(run, key=lambda j: (j.system not in cfg.limits, -(j.length or 30_000)))
    return order, skipped


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


def _init_worker(threads: int, embed_store: str | None = None) -> None:
    from ssmem.encoders.store import ENV

    os.environ["SSMEM_ENCODER_THREADS"] = str(threads)
    if embed_store:
        os.environ[ENV] = embed_store
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


def _safe_run(job: Job, cfg: BenchConfig) -> list[dict[str, Any]] | str:
    """A job's rows, or the one-line error that stopped it (a broken system must not take the
    whole matrix down; its failure is reported in meta["errors"] and the exit code)."""
    try:
        return run_job(job, cfg)
    except InputError:
        raise
    except Exception as err:  # reported in meta["errors"], not swallowed
        return (
            f"{job.system}/{job.family}/{job.length}/seed {job.seed}: {type(err).__name__}: {err}"
        )


def run_matrix(cfg: BenchConfig, progress: bool = True) -> tuple[list[dict[str, Any]], list[str]]:
    """(result rows, errors of jobs that failed)."""
    from tqdm import tqdm

    jobs, _ = jobs_of(cfg)
    rows: list[dict[str, Any]] = []
    errors: list[str] = []

    def collect(job: Job, out: list[dict[str, Any]] | str) -> None:
        if isinstance(out, str):
            errors.append(out)
            tqdm.write(f"ssmem bench: failed: {out}", file=sys.stderr)
        else:
            rows.extend(out)
        bar.set_postfix_str(f"{job.system}/{job.family}/{job.length}")
        bar.update()

    bar = tqdm(total=len(jobs), desc="bench", unit="run", file=sys.stderr, disable=not progress)
    if cfg.workers == 1:
        _init_worker(cfg.threads, cfg.embed_store)
        for job in jobs:
            collect(job, _safe_run(job, cfg))
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(
            cfg.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init_worker,
            initargs=(cfg.threads, cfg.embed_store),
        ) as pool:
            futures = {pool.submit(_safe_run, j, cfg): j for j in jobs}
            for fut in as_completed(futures):
                collect(futures[fut], fut.result())
    bar.close()
    key = {s: i for i, s in enumerate(cfg.systems)}
    rows.sort(
        key=lambda r: (r["family"], key[r["system"]], r["stream_tokens"], r["budget"], r["seed"])
    )
    return rows, errors


def run_bench(cfg: BenchConfig, out: Path, command: str, progress: bool = True) -> dict:
    """Run the matrix and write results.json, summary.md and plots into `out`."""
    from ssmem.bench.report import write_report
    from ssmem.tokens import default_counter

    out.mkdir(parents=True, exist_ok=True)
    commit = _git_commit()  # the code the run imports now, not what HEAD is when it ends
    t = time.perf_counter()
    rows, errors = run_matrix(cfg, progress)
    meta = {
        "command": command,
        "git_commit": commit,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
        f"{platform.system()} {platform.release()}, python {platform.python_version()}",
        "tokenizer": default_counter().name,
        "wall_s": round(time.perf_counter() - t, 1),
        "config": asdict(cfg),
        "skipped": [asdict(j) for j in jobs_of(cfg)[1]],
        "errors": errors,
    }
    results = {"runs": rows, "meta": meta}
    (out / "results.json").write_text(json.dumps(results, indent=1, sort_keys=False))
    write_report(results, out)
    return results
