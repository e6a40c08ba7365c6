"""Read-path latency: how long `system.context(query, budget)` takes once a whole stream is
ingested, per system and budget, in one process (ingest wall time is reported on the side).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ssmem.bench.types import Stream
from ssmem.errors import InputError
from ssmem.tokens import TokenCounter

GENERATED = ("meeting", "coding", "agent", "incident")
SOURCES = ("generated", "longmemeval")


@dataclass(frozen=True)
class QueryStream:
    """A stream to ingest and the queries to time against it once it is all ingested."""

    name: str
    stream: Stream
    queries: tuple[str, ...]


@dataclass(frozen=True)
class LatencyRow:
    system: str
    source: str
    budget: int
    n: int  # timed context() calls
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float
    ingest_s: float  # wall seconds to ingest all of this source's streams (once per system)
    streams: int
    events: int
    samples_ms: tuple[float, ...] = ()  # every timed call, in call order (JSON only)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def percentile(xs: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    if not xs:
        raise ValueError("percentile of no values")
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def generated_streams(length: int, counter: TokenCounter) -> list[QueryStream]:
    """The four generated eval families at `length` tokens, seed 0, each asked its own
    questions."""
    from ssmem.bench.streams import StreamOptions, make_stream

    out = []
    for family in GENERATED:
        stream = make_stream(family, length, 0, counter, StreamOptions())
        queries = tuple(q.query for q in stream.questions)
        out.append(QueryStream(f"{family}-{length}", stream, queries))
    return out


def longmemeval_streams(haystacks: int) -> list[QueryStream]:
    """The first `haystacks` items of the LongMemEval-S dev half. An item has one question,
    so to get more samples each haystack is asked the questions of all loaded items (its own
    and the others'): `haystacks` queries per haystack."""
    from ssmem.bench.longmemeval import dev_items, longmemeval_stream

    items = dev_items()[:haystacks]
    streams = [longmemeval_stream(item, seed=i) for i, item in enumerate(items)]
    queries = tuple(s.questions[0].query for s in streams)  # own question + the others'
    return [QueryStream(str(s.info["question_id"]), s, queries) for s in streams]


def load_source(
    source: str, counter: TokenCounter, length: int = 100_000, haystacks: int = 3
) -> list[QueryStream]:
    if source == "generated":
        return generated_streams(length, counter)
    if source == "longmemeval":
        return longmemeval_streams(haystacks)
    raise InputError(f"unknown source {source!r} (available: {', '.join(SOURCES)})")


def measure(
    streams: Sequence[QueryStream],
    systems: Sequence[str],
    budgets: Sequence[int],
    source: str,
    counter: TokenCounter,
    repeat: int = 1,
    log: Callable[[str], None] | None = None,
) -> list[LatencyRow]:
    """One row per (system, budget): a fresh system per stream, ingested in one call, then
    every query x budget x `repeat` timed. Systems run one after another in this process.

    Every call is timed with `perf_counter`; none is dropped as warm-up, so the first query
    after ingest pays any lazy index work (e.g. RAG's BM25 rebuild) as a user would. The
    process-wide encoder's cache is cleared before each system ingests each stream, so no
    system is timed on vectors (of events or queries) another one paid for."""
    from ssmem.systems import make_system

    say = log or (lambda _msg: None)
    rows: list[LatencyRow] = []
    for name in systems:
        times: dict[int, list[float]] = {b: [] for b in budgets}
        ingest_s = 0.0
        for qs in streams:
            _cold_encoder()
            system = make_system(name, counter)
            t0 = time.perf_counter()
            system.ingest(qs.stream.events)
            took = time.perf_counter() - t0
            ingest_s += took
            say(f"{name}/{qs.name}: ingested {len(qs.stream.events):,} events in {took:.1f}s")
            for budget in budgets:
                for _ in range(repeat):
                    for query in qs.queries:
                        t0 = time.perf_counter()
                        system.context(query, budget)
                        times[budget].append((time.perf_counter() - t0) * 1000)
            done = sum(len(v) for v in times.values())
            say(f"{name}/{qs.name}: {done} queries timed so far")
        events = sum(len(qs.stream.events) for qs in streams)
        for budget in budgets:
            ms = times[budget]
            if not ms:
                continue
            rows.append(
                LatencyRow(
                    name,
                    source,
                    budget,
                    len(ms),
                    percentile(ms, 50),
                    percentile(ms, 95),
                    sum(ms) / len(ms),
                    max(ms),
                    ingest_s,
                    len(streams),
                    events,
                    tuple(ms),
                )
            )
    return rows


def set_threads(threads: int) -> None:
    """Pin torch and the sentence encoder to `threads` (as `ssmem bench` workers do)."""
    os.environ["SSMEM_ENCODER_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)


def machine() -> dict[str, Any]:
    """What a speed figure must say about where it was measured."""
    import platform

    return {
        "load_avg": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def load_line(label: str, m: dict[str, Any]) -> str:
    loads = " ".join(f"{x:.2f}" for x in m["load_avg"])
    return f"machine load ({label}, 1/5/15 min): {loads} ({m['cpus']} CPUs)"


def markdown(rows: Sequence[LatencyRow]) -> list[str]:
    lines = [
        "| system | source | budget | n | p50 ms | p95 ms | mean ms | ingest s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.system} | {r.source} | {r.budget} | {r.n} | {r.p50_ms:.2f} | "
            f"{r.p95_ms:.2f} | {r.mean_ms:.2f} | {r.ingest_s:.1f} |"
        )
    return lines


def _cold_encoder() -> None:
    """Clear the shared encoder's cache if a system has loaded it (loading it costs)."""
    from ssmem.encoders import minilm

    if minilm.shared_encoder.cache_info().currsize:
        minilm.shared_encoder().clear_cache()
