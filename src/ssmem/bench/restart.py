"""`ssmem bench-restart`: how long a session takes to serve again after the server dies.

Starts `ssmem serve` in a subprocess (a temporary data dir, default durable settings), creates
one session per system and ingests the same `events` into each, in batches over HTTP (the
server takes its automatic snapshots as it goes). Then, for each session in turn, the
server is killed (SIGKILL: a crash, nothing flushed on the way out), started again on the
same data dir, and that session is read first: the server restores it -- newest valid
snapshot plus a replay of the events after it -- before it answers. Reported per system:
ingest wall time, snapshots kept, events replayed by the restore (the server's
`ssmem_events_replayed_total`), the server's time to become ready, the first read's time,
restart-to-read (both; its ratio to the `window` system's), and a warm read. The events are
generated incident turns (successive eval seeds, so they do not repeat).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from tqdm import tqdm

from ssmem.bench.service_load import start_server
from ssmem.errors import InputError
from ssmem.events import Event


@dataclass
class RestartBenchConfig:
    events: int = 100_000
    systems: tuple[str, ...] = ("window", "ssm")
    batch: int = 500
    budget: int = 512
    family: str = "incident"

    def __post_init__(self) -> None:
        if self.events < 1 or self.batch < 1:
            raise InputError("events and batch must be positive")
        if not self.systems:
            raise InputError("at least one system is needed")


def make_events(n: int, family: str) -> list[Event]:
    """`n` generated turns of `family`, from successive eval seeds, renumbered 0..n-1."""
    from ssmem.bench import generate

    out: list[Event] = []
    seed = 1_000_000
    while len(out) < n:
        for e in generate(family, "eval", seed, 100_000).events:
            out.append(Event(len(out), e.text, ts=e.ts, source=e.source, kind=e.kind))
        seed += 1
    return out[:n]


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = http.post(path, json=body)
    if r.status_code >= 400:
        raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:300]}")
    return r.json()


def _replayed(url: str, admin: str) -> int:
    """The server's count of events replayed on restores so far (from /metrics)."""
    text = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {admin}"}).text
    for line in text.splitlines():
        if line.startswith("ssmem_events_replayed_total "):
            return int(float(line.split()[1]))
    raise RuntimeError("the server's /metrics has no ssmem_events_replayed_total")


def run(cfg: RestartBenchConfig, data_dir: str | None = None) -> dict[str, Any]:
    events = make_events(cfg.events, cfg.family)
    body = [e.to_dict() for e in events]
    tmp = tempfile.TemporaryDirectory(prefix="ssmem-restart-") if data_dir is None else None
    ddir = data_dir or tmp.name  # type: ignore[union-attr]
    admin = secrets.token_hex(16)
    extra = ["--rate-per-s", "0"]
    proc, url = start_server(ddir, admin, extra)
    rows: dict[str, dict[str, Any]] = {}
    try:
        key = _post(
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin}"}),
            "/v1/admin/tenants",
            {"name": "bench"},
        )["api_key"]
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=600)
        for system in cfg.systems:
            sid = _post(http, "/v1/sessions", {"system": system, "name": system})["id"]
            t0 = time.perf_counter()
            with tqdm(total=len(body), desc=f"ingest {system}", unit="ev", file=sys.stderr) as bar:
                for i in range(0, len(body), cfg.batch):
                    _post(http, f"/v1/sessions/{sid}/events", {"events": body[i : i + cfg.batch]})
                    bar.update(min(cfg.batch, len(body) - i))
            snaps = http.get(f"/v1/sessions/{sid}/snapshots").json().get("snapshots", [])
            rows[system] = {
                "session": sid,
                "ingest_s": round(time.perf_counter() - t0, 2),
                "snapshots_kept": len(snaps),
                "newest_snapshot_upto": max((s["upto_seq"] for s in snaps), default=None),
            }
        for row in rows.values():  # one crash and restart per session, read first
            proc.kill()  # a crash: nothing is flushed on the way out
            proc.wait(timeout=30)
            t0 = time.perf_counter()
            proc, url = start_server(ddir, admin, extra)
            row["server_ready_s"] = round(time.perf_counter() - t0, 3)
            http = httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=600
            )
            t1 = time.perf_counter()
            r = http.get(f"/v1/sessions/{row['session']}/memory", params={"budget": cfg.budget})
            row["first_read_s"] = round(time.perf_counter() - t1, 3)
            row["restart_to_read_s"] = round(time.perf_counter() - t0, 3)
            row["first_read_status"] = r.status_code
            row["events_replayed"] = _replayed(url, admin)
            t1 = time.perf_counter()
            http.get(f"/v1/sessions/{row['session']}/memory", params={"budget": cfg.budget})
            row["warm_read_s"] = round(time.perf_counter() - t1, 3)
        base = rows.get("window", {}).get("restart_to_read_s")
        for row in rows.values():
            row["vs_window"] = round(row["restart_to_read_s"] / base, 2) if base else None
        return {
            "config": asdict(cfg),
            "systems": rows,
            "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if tmp is not None:
            tmp.cleanup()


def format_report(r: dict[str, Any]) -> str:
    cols = ("system", "events", "ingest s", "snapshots kept", "newest snapshot at",
            "events replayed", "server ready s", "first read s", "restart to read s",
            "vs window", "warm read s")  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    n = r["config"]["events"]
    for system, row in r["systems"].items():
        lines.append(
            f"| {system} | {n:,} | {row['ingest_s']} | {row['snapshots_kept']} | "
            f"{row['newest_snapshot_upto']} | {row['events_replayed']:,} | "
            f"{row['server_ready_s']} | {row['first_read_s']} | {row['restart_to_read_s']} | "
            f"{row['vs_window']} | "
            f"{row['warm_read_s']} |"
        )
    lines.append(f"\nload average (1 min) at the end: {r['load_avg_1m']} on {r['cpus']} CPUs")
    return "\n".join(lines)
