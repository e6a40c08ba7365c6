"""`ssmem bench-ingest`: write-path speed and state size of the `ssm` system.

Bulk: one `ingest` call per `chunk` events. Streaming: one `ingest` call per event. State
bytes (recurrent state + bounded slot table) are reported after each milestone, so a user
can see they do not grow with the stream. Events are Loghub lines (real text) cycled with
fresh seqs, or generated meeting turns when no Loghub file is given.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ssmem.events import Event
from ssmem.systems.ssm import SSMMemory, SSMSystemConfig


@dataclass
class IngestBenchConfig:
    milestones: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    streaming_events: int = 2_000
    chunk: int = 1_000
    threads: int = 1


def event_source(loghub: Path | None) -> Iterator[tuple[str, str]]:
    if loghub is not None:
        from ssmem.adapters import load_events

        lines = [(e.source, e.text) for e in load_events(loghub)]
    else:
        from ssmem.bench import generate

        stream = generate("meeting", "eval", 1_000_000, 20_000)
        lines = [(e.source, e.text) for e in stream.events]
    return itertools.cycle(lines)


def run(cfg: IngestBenchConfig, loghub: Path | None = None, quiet: bool = False) -> dict[str, Any]:
    src = event_source(loghub)
    mem = SSMMemory(config=SSMSystemConfig(threads=cfg.threads))
    rows: list[dict[str, Any]] = []
    seq = 0
    t_total = 0.0
    bar = tqdm(total=max(cfg.milestones), desc="bulk ingest", disable=quiet, unit="ev")
    for target in sorted(cfg.milestones):
        while seq < target:
            n = min(cfg.chunk, target - seq)
            batch = [
                Event(seq=seq + i, text=t, source=s, kind="log")
                for i, (s, t) in zip(range(n), src, strict=False)
            ]
            t0 = time.perf_counter()
            mem.ingest(batch)
            t_total += time.perf_counter() - t0
            seq += n
            bar.update(n)
        rows.append(
            {
                "events": seq,
                "bulk_events_per_s": round(seq / t_total, 1),
                "state_bytes": mem.state_bytes(),
                "ssm_state_bytes": mem.state.nbytes,
                "slots": len(mem.materializer.slots),
            }
        )
    bar.close()
    t0 = time.perf_counter()
    for i in tqdm(range(cfg.streaming_events), desc="streaming", disable=quiet, unit="ev"):
        source, text = next(src)
        mem.ingest([Event(seq=seq + i, text=text, source=source, kind="log")])
    stream_s = time.perf_counter() - t0
    first, last = rows[0], rows[-1]
    return {
        "rows": rows,
        "streaming_events_per_s": round(cfg.streaming_events / stream_s, 1),
        "summary": {
            "bulk_events_per_s": last["bulk_events_per_s"],
            "streaming_events_per_s": round(cfg.streaming_events / stream_s, 1),
            "state_bytes_growth": round(last["state_bytes"] / first["state_bytes"] - 1, 4),
            "ssm_state_bytes_growth": round(
                last["ssm_state_bytes"] / first["ssm_state_bytes"] - 1, 4
            ),
        },
        "config": {
            "milestones": list(cfg.milestones),
            "threads": cfg.threads,
            "source": str(loghub) if loghub else "generated meeting turns",
        },
    }
