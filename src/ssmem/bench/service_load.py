"""`ssmem bench-serve`: N sessions × M events against a real server on loopback.

Starts `ssmem serve` in a subprocess (temporary data dir, default durable settings) unless
`url` is given, creates a tenant, then runs one async producer per session (bounded by
`concurrency`): batches of `batch` events, a memory read after every `read_every` batches.
Reports ingest events/s, p50/p95/p99 of ingest and memory-read latency, and server RSS.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm


@dataclass
class ServiceLoadConfig:
    sessions: int = 50
    events: int = 200
    batch: int = 20
    system: str = "window"
    budget: int = 512
    read_every: int = 2
    concurrency: int = 50
    rate: float = 0.0  # target events/s over all sessions (0 = as fast as the server goes)
    url: str | None = None
    data_dir: str | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: str, admin_key: str, extra: list[str] | None = None) -> tuple[Any, str]:
    """Start `ssmem serve` on a free loopback port; returns (process, base URL) once healthy."""
    port = free_port()
    env = {**os.environ, "SSMEM_ADMIN_KEY": admin_key}
    cmd = [sys.executable, "-m", "ssmem.cli.serve_cmd", "--port", str(port)]
    cmd += ["--data-dir", data_dir, *(extra or [])]
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    log_path = Path(data_dir) / "server.log"  # a file, not a pipe nobody drains
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {proc.returncode}: {err}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not become ready within 60 s")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (robust to other load, unlike latency)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


async def _session(
    http: httpx.AsyncClient,
    cfg: ServiceLoadConfig,
    idx: int,
    sid: str,
    gate: asyncio.Semaphore,
    ingest_s: list[float],
    read_s: list[float],
    bar: tqdm,
) -> None:
    # Paced (open loop) when a rate is set: session idx sends a batch every `interval`
    # seconds, staggered, so latencies measure the server at that load, not a queue we made.
    interval = cfg.sessions * cfg.batch / cfg.rate if cfg.rate > 0 else 0.0
    t_start = time.perf_counter() + interval * idx / cfg.sessions
    for b, start in enumerate(range(0, cfg.events, cfg.batch)):
        if interval:
            await asyncio.sleep(max(0.0, t_start + b * interval - time.perf_counter()))
        events = [
            {
                "seq": s,
                "text": f"session {idx} event {s}: value of k{s % 17} is now {s * 7}",
                "source": "bench",
                "kind": "log",
            }
            for s in range(start, min(cfg.events, start + cfg.batch))
        ]
        async with gate:
            t0 = time.perf_counter()
            r = await http.post(f"/v1/sessions/{sid}/events", json={"events": events})
            ingest_s.append(time.perf_counter() - t0)
            r.raise_for_status()
            bar.update(len(events))
            if (b + 1) % cfg.read_every == 0:
                t0 = time.perf_counter()
                r = await http.get(
                    f"/v1/sessions/{sid}/memory", params={"budget": cfg.budget, "query": "k3"}
                )
                read_s.append(time.perf_counter() - t0)
                r.raise_for_status()


async def _load(url: str, key: str, cfg: ServiceLoadConfig) -> dict[str, Any]:
    ingest_s: list[float] = []
    read_s: list[float] = []
    gate = asyncio.Semaphore(cfg.concurrency)
    limits = httpx.Limits(
        max_connections=cfg.concurrency, max_keepalive_connections=cfg.concurrency
    )
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as http:
        sids = []
        for i in range(cfg.sessions):  # created before the clock starts
            resp = await http.post("/v1/sessions", json={"system": cfg.system, "name": f"b{i}"})
            resp.raise_for_status()
            sids.append(resp.json()["id"])
        with tqdm(
            total=cfg.sessions * cfg.events, desc="events", unit="ev", file=sys.stderr
        ) as bar:
            t0 = time.perf_counter()
            await asyncio.gather(
                *(
                    _session(http, cfg, i, sid, gate, ingest_s, read_s, bar)
                    for i, sid in enumerate(sids)
                )
            )
            wall = time.perf_counter() - t0
    total = cfg.sessions * cfg.events
    return {
        "events": total,
        "wall_s": round(wall, 3),
        "ingest_events_per_s": round(total / wall, 1),
        "ingest_batches": len(ingest_s),
        "ingest_ms": {f"p{q}": round(pct(ingest_s, q), 2) for q in (50, 95, 99)},
        "memory_reads": len(read_s),
        "read_ms": {f"p{q}": round(pct(read_s, q), 2) for q in (50, 95, 99)},
    }


def run_bench(cfg: ServiceLoadConfig) -> dict[str, Any]:
    proc = None
    tmp = None
    try:
        if cfg.url:
            url, key = cfg.url, os.environ.get("SSMEM_BENCH_KEY", "")
        else:
            tmp = tempfile.TemporaryDirectory(prefix="ssmem-bench-")
            admin = secrets.token_hex(16)
            proc, url = start_server(cfg.data_dir or tmp.name, admin, ["--rate-per-s", "0"])
            r = httpx.post(
                url + "/v1/admin/tenants",
                json={"name": "bench"},
                headers={"Authorization": f"Bearer {admin}"},
            )
            r.raise_for_status()
            key = r.json()["api_key"]
        cpu0 = cpu_seconds(proc.pid) if proc else 0.0
        report = asyncio.run(_load(url, key, cfg))
        if proc:
            cpu = cpu_seconds(proc.pid) - cpu0
            report["server_cpu_ms_per_event"] = round(1000 * cpu / report["events"], 3)
        report["server_rss_mb"] = round(rss_bytes(proc.pid) / 2**20, 1) if proc else None
        report["config"] = asdict(cfg)
        report["cpus"] = os.cpu_count()
        return report
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        if tmp is not None:
            tmp.cleanup()


def format_report(r: dict[str, Any]) -> str:
    c = r["config"]
    rows = [
        ("sessions × events", f"{c['sessions']} × {c['events']} (batch {c['batch']})"),
        ("system", c["system"]),
        ("target rate", f"{c['rate']:,.0f} events/s" if c["rate"] else "unpaced (max)"),
        ("ingest events/s", f"{r['ingest_events_per_s']:,.0f}"),
        ("ingest p50/p95/p99 ms", "/".join(str(v) for v in r["ingest_ms"].values())),
        ("memory read p50/p95/p99 ms", "/".join(str(v) for v in r["read_ms"].values())),
        ("memory reads", str(r["memory_reads"])),
        ("server RSS MB", str(r["server_rss_mb"])),
        ("server CPU ms per event", str(r.get("server_cpu_ms_per_event"))),
    ]
    return "\n".join(f"| {k} | {v} |" for k, v in [("metric", "value"), ("---", "---"), *rows])
