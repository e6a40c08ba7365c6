"""Live-session eviction under concurrent writers and readers never breaks a session.

Issue 18, "False tamper alarm": with fewer live slots than active sessions, a read restored a
session from a row it had read before a writer committed (500 "event log does not end at the
session's chain head" on a healthy log), and a writer could still feed an evicted `Live`
while a second one was restored for the same session (two memories, one of them stale).
"""

from __future__ import annotations

import random
import sys
import threading

import pytest

from ssmem.service.errors import ApiError
from ssmem.service.eventlog import event_from_body
from ssmem.service.manager import SessionManager
from ssmem.service.metrics import Metrics
from ssmem.service.settings import ServiceSettings
from ssmem.service.store import open_store
from ssmem.systems.window import WindowMemory

BUDGET = 8000  # renders every event of a session: a missed or doubled event shows


@pytest.fixture
def fine_switching():
    """Switch threads often, so the interleavings the race needs happen within a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize(("max_live", "snapshot_every"), [(1, 0), (2, 5)])
def test_eviction_under_concurrent_writes_never_serves_a_stale_or_broken_memory(
    tmp_path, fine_switching, max_live, snapshot_every
):
    settings = ServiceSettings(
        data_dir=str(tmp_path),
        max_live_sessions=max_live,
        snapshot_every=snapshot_every,
        sqlite_synchronous="OFF",
    )
    store = open_store(settings.database_url(), settings.sqlite_synchronous)
    m = SessionManager(store, settings, Metrics())
    sids = [m.create(1, f"s{i}", "window").id for i in range(8)]
    acked = dict.fromkeys(sids, 0)  # events acknowledged per session (grows only)
    acked_lock = threading.Lock()
    errors: list[str] = []
    writers_done = threading.Event()

    def writer(w: int) -> None:
        rng = random.Random(w)
        for b in range(40):
            sid = rng.choice(sids)
            batch = [{"text": f"w{w} b{b} e{i}"} for i in range(rng.randint(1, 3))]
            try:
                out = m.ingest(1, sid, batch, None, "test")
            except ApiError as err:
                errors.append(f"ingest {sid[:6]}: {err.status} {err.message}")
                continue
            with acked_lock:
                acked[sid] = max(acked[sid], out["events"])

    def reader(r: int) -> None:
        rng = random.Random(100 + r)
        while not writers_done.is_set():
            sid = rng.choice(sids)
            with acked_lock:
                floor = acked[sid]
            try:
                _, stats = m.context(1, sid, "", BUDGET)
            except ApiError as err:
                errors.append(f"read {sid[:6]}: {err.status} {err.message}")
                continue
            if stats["events"] < floor:  # an acknowledged batch missing from memory
                errors.append(f"read {sid[:6]}: memory has {stats['events']} < {floor} acked")

    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    readers = [threading.Thread(target=reader, args=(r,)) for r in range(6)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join()
    writers_done.set()
    for t in readers:
        t.join()

    assert errors == [], f"{len(errors)} errors, first: {errors[:5]}"
    assert m.metrics.sessions._value.get() <= max_live  # back within bound once idle
    for sid in sids:
        log = [event_from_body(r.body) for r in store.iter_events(sid)]
        assert len(log) == acked[sid] == store.get_session(sid).n_events
        fresh = WindowMemory()
        fresh.ingest(log)
        ctx, stats = m.context(1, sid, "", BUDGET)
        assert stats["events"] == len(log)
        assert ctx.render() == fresh.context("", BUDGET).render()
    store.close()
