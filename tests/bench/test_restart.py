"""`ssmem bench-restart` end to end on a small stream: a killed server restores each session
from its newest snapshot, replaying only the events after it."""

from __future__ import annotations

import pytest

from ssmem.bench.restart import RestartBenchConfig, format_report, run


@pytest.mark.slow
def test_restart_bench_restores_from_snapshots_and_replays_only_the_tail():
    cfg = RestartBenchConfig(events=2_300, systems=("window", "ssm"), batch=500)
    r = run(cfg)
    for system, row in r["systems"].items():
        assert row["first_read_status"] == 200, system
        # The first snapshot falls due after snapshot_every (1000) events; later ones also
        # wait until ingest time has paid for them (snapshot_overhead), so the newest is at
        # or after seq 999, and only the events after it are replayed, not all 2,300.
        assert row["newest_snapshot_upto"] >= 999, system
        assert row["events_replayed"] == 2_299 - row["newest_snapshot_upto"], system
    assert "| ssm | 2,300 |" in format_report(r)
