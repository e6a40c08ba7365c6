"""`ssmem bench-haystack`: what it costs to ingest one LongMemEval-S haystack (~115k tokens,
~500 turns) per system, each (system, haystack) in a fresh process so no embedding cached by
an earlier system makes a later one look cheap.

Per run: ingest wall seconds (one `ingest` call per session, as a chat arrives), tokens/s,
the seconds spent inside the sentence encoder (its share of the ingest), texts encoded, and
LLM calls per event (zero for every system but `summary`). Ratios are to `rag` on the same
haystack in the same run. Speed figures: run with nothing else on the machine and say its
load (the report records the load average before and after).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from ssmem.errors import InputError


@dataclass
class HaystackBenchConfig:
    systems: tuple[str, ...] = ("rag", "rag-lme", "ssm", "hybrid")
    haystacks: tuple[int, ...] = (0, 1, 2)  # eval-split seeds of the longmemeval family
    threads: int = 1


def measure(system: str, seed: int, threads: int) -> dict[str, Any]:
    """Ingest one haystack into a fresh `system` in this process; the figures of one run."""
    import torch

    from ssmem.bench.longmemeval import eval_stream
    from ssmem.encoders.minilm import shared_encoder
    from ssmem.systems import make_system
    from ssmem.tokens import default_counter

    torch.set_num_threads(threads)
    counter = default_counter()
    stream = eval_stream(seed)
    tokens = sum(counter.count_many([e.label() for e in stream.events]))
    encoder = shared_encoder()
    encoder.encode(["warm up"])  # model load is not ingest
    spent = [0.0]
    plain = encoder.encode

    def timed(texts):
        t = time.perf_counter()
        try:
            return plain(texts)
        finally:
            spent[0] += time.perf_counter() - t

    encoder.encode = timed
    before = encoder.encoded
    mem = make_system(system, counter)
    sessions: dict[Any, list] = {}
    for ev in stream.events:
        sessions.setdefault(ev.meta.get("session"), []).append(ev)
    t = time.perf_counter()
    for batch in sessions.values():
        mem.ingest(batch)
    wall = time.perf_counter() - t
    stats = mem.stats()
    return {
        "system": system,
        "seed": seed,
        "question_id": stream.info["question_id"],
        "events": len(stream.events),
        "tokens": tokens,
        "ingest_s": round(wall, 3),
        "tokens_per_s": round(tokens / wall, 1) if wall else None,
        "encoder_s": round(spent[0], 3),
        "encoder_share": round(spent[0] / wall, 3) if wall else None,
        "texts_encoded": encoder.encoded - before,
        "llm_calls_per_event": stats.llm_calls / max(1, len(stream.events)),
    }


def _child(system: str, seed: int, threads: int) -> dict[str, Any]:
    code = (
        "import json,sys; from ssmem.bench.haystack_ingest import measure; "
        f"print(json.dumps(measure({system!r}, {seed}, {threads})))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SSMEM_EMBED_STORE"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"bench-haystack: {system} on haystack {seed} failed: {tail}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(cfg: HaystackBenchConfig, progress: bool = True) -> dict[str, Any]:
    """Every (haystack, system) in a fresh process, systems interleaved per haystack."""
    from tqdm import tqdm

    from ssmem.systems import SYSTEMS

    for s in cfg.systems:
        if s not in SYSTEMS:
            raise InputError(f"unknown system {s!r} (available: {', '.join(sorted(SYSTEMS))})")
    load_before = os.getloadavg()
    rows = []
    jobs = [(seed, s) for seed in cfg.haystacks for s in cfg.systems]
    for seed, s in tqdm(jobs, desc="bench-haystack", unit="run", disable=not progress):
        rows.append(_child(s, seed, cfg.threads))
    base = {r["seed"]: r["ingest_s"] for r in rows if r["system"] == "rag"}
    for r in rows:
        if r["seed"] in base and base[r["seed"]]:
            r["vs_rag"] = round(r["ingest_s"] / base[r["seed"]], 3)
    return {
        "rows": rows,
        "meta": {
            "systems": list(cfg.systems),
            "haystacks": list(cfg.haystacks),
            "threads": cfg.threads,
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
        },
    }


def markdown(result: dict[str, Any]) -> str:
    """The per-system table: means over haystacks, and the ratio to rag."""
    rows, meta = result["rows"], result["meta"]
    lines = [
        f"Haystacks (eval seeds) {meta['haystacks']}, {meta['threads']} torch thread(s), "
        f"{meta['cpus']} cpus; load average before {meta['load_before']}, after "
        f"{meta['load_after']}.",
        "",
        "| system | ingest s / haystack | vs rag | tokens/s | encoder share | texts encoded "
        "| LLM calls/event |",
        "|---|---|---|---|---|---|---|",
    ]

    def mean(xs):
        xs = [x for x in xs if x is not None]
        return sum(xs) / len(xs) if xs else None

    for s in meta["systems"]:
        sub = [r for r in rows if r["system"] == s]
        ratio = mean([r.get("vs_rag") for r in sub])
        lines.append(
            f"| {s} | {mean([r['ingest_s'] for r in sub]):.2f} | "
            f"{'–' if ratio is None else f'{ratio:.2f}×'} | "
            f"{mean([r['tokens_per_s'] for r in sub]):,.0f} | "
            f"{mean([r['encoder_share'] for r in sub]):.2f} | "
            f"{mean([r['texts_encoded'] for r in sub]):.0f} | "
            f"{mean([r['llm_calls_per_event'] for r in sub]):.0f} |"
        )
    return "\n".join(lines) + "\n"
