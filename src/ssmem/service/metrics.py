"""Prometheus metrics of one server (a private registry, so apps in one process do not mix)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.events = Counter("ssmem_events_ingested", "Events committed", registry=r)
        self.duplicates = Counter(
            "ssmem_events_duplicate", "Retried events recognised as committed", registry=r
        )
        self.batches = Counter("ssmem_batches", "Batches committed", ["transport"], registry=r)
        self.rejected = Counter("ssmem_rejected", "Requests rejected", ["status"], registry=r)
        self.ingest_seconds = Histogram(
            "ssmem_ingest_seconds",
            "Batch ingest latency (commit + memory)",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.read_seconds = Histogram(
            "ssmem_memory_read_seconds",
            "Memory/context read latency",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.request_seconds = Histogram(
            "ssmem_http_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.sessions = Gauge("ssmem_sessions_live", "Sessions held in memory", registry=r)
        self.state_bytes = Gauge(
            "ssmem_state_bytes", "Memory state bytes over live sessions", registry=r
        )
        self.replayed = Counter("ssmem_events_replayed", "Events replayed on restore", registry=r)
        self.snapshots = Counter("ssmem_snapshots", "Snapshots written", registry=r)
        self.grounded = Counter(
            "ssmem_grounding_changes",
            "Memory values re-grounding repaired or dropped (nonzero: a state drifted)",
            ["action"],
            registry=r,
        )
        self.corrupt = Counter(
            "ssmem_snapshots_corrupt", "Snapshots that failed their checksum", registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
