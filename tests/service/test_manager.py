"""The session manager in-process: restore = snapshot + replay, or pure replay for systems
that cannot export state; replay keeps the original batch boundaries."""

from __future__ import annotations

import pytest

from ssmem import Event
from ssmem.service.manager import SessionManager
from ssmem.service.metrics import Metrics
from ssmem.service.settings import ServiceSettings
from ssmem.service.store import open_store
from ssmem.systems import SYSTEMS
from ssmem.systems.base import Stats
from ssmem.systems.snapshot import supports_snapshots
from ssmem.systems.window import WindowMemory


class BatchEcho:
    """A memory system without export/import whose output depends on batch boundaries
    (like an LLM summary written every batch): replay must reproduce the original batches."""

    name = "batch-echo"

    def __init__(self, counter) -> None:
        self.inner = WindowMemory(counter)
        self.counter = self.inner.counter
        self.batches: list[int] = []

    def ingest(self, events) -> None:
        events = list(events)
        self.batches.append(len(events))
        self.inner.ingest(events)

    def context(self, query: str, budget: int):
        return self.inner.context(f"{query}{self.batches}", budget)

    def stats(self) -> Stats:
        return Stats(events=sum(self.batches), state_bytes=8 * len(self.batches))


def _manager(tmp_path, **kw) -> SessionManager:
    settings = ServiceSettings(data_dir=str(tmp_path), **kw)
    return SessionManager(open_store(settings.database_url()), settings, Metrics())


def _feed(m: SessionManager, sid: str, sizes: list[int]) -> None:
    seq = 0
    for n in sizes:
        raw = [{"seq": s, "text": f"line {s}"} for s in range(seq, seq + n)]
        m.ingest(1, sid, raw, None, "test")
        seq += n


def test_system_without_snapshots_is_restored_by_replay_in_original_batches(tmp_path, monkeypatch):
    monkeypatch.setitem(SYSTEMS, "batch-echo", BatchEcho)
    m = _manager(tmp_path, snapshot_every=4)
    sid = m.create(1, "s", "batch-echo").id
    _feed(m, sid, [3, 1, 5, 2])
    with m.use(1, sid) as live:
        assert not supports_snapshots(live.system) and live.system.batches == [3, 1, 5, 2]
    assert m.store.snapshots(sid)  # written (rendering + chain) even without state
    fresh = _manager(tmp_path, snapshot_every=4)  # a restart
    with fresh.use(1, sid) as live:
        assert live.system.batches == [3, 1, 5, 2]
    assert fresh.context(1, sid, "", 50)[0].render() == m.context(1, sid, "", 50)[0].render()
    assert fresh.metrics.replayed._value.get() == 11


def test_window_restores_from_snapshot_and_replays_only_the_tail(tmp_path):
    m = _manager(tmp_path, snapshot_every=0)
    sid = m.create(1, "s", "window").id
    _feed(m, sid, [10, 10])
    m.snapshot(1, sid)
    _feed_tail = [{"seq": 20 + i, "text": f"tail {i}"} for i in range(3)]
    m.ingest(1, sid, _feed_tail, None, "test")
    fresh = _manager(tmp_path, snapshot_every=0)
    (ctx_a, stats_a), (ctx_b, stats_b) = fresh.context(1, sid, "", 500), m.context(1, sid, "", 500)
    assert ctx_a.render() == ctx_b.render() and stats_a == stats_b
    assert fresh.metrics.replayed._value.get() == 3


def test_window_state_round_trip_is_exact_even_after_eviction_of_old_events():
    from ssmem.systems.window import WindowConfig

    a = WindowMemory(config=WindowConfig(max_events=5))
    a.ingest(Event(seq=i, text=f"e{i}", ts=float(i), meta={"i": i}) for i in range(12))
    b = WindowMemory(config=WindowConfig(max_events=5))
    b.import_state(a.export_state())
    assert b.export_state() == a.export_state() and b.stats() == a.stats()
    assert b.context("", 100).render() == a.context("", 100).render()
    with pytest.raises(ValueError):
        WindowMemory().import_state(a.export_state())  # another max_events
    with pytest.raises(ValueError):
        WindowMemory(config=WindowConfig(max_events=5)).import_state(b"\xff not json")


class BrokenExport(WindowMemory):
    """A system whose state export fails (a bug in a system must not lose a committed batch)."""

    def export_state(self) -> bytes:
        raise RuntimeError("export bug")


def test_failing_automatic_snapshot_does_not_fail_the_committed_batch(tmp_path, monkeypatch):
    monkeypatch.setitem(SYSTEMS, "broken-export", BrokenExport)
    m = _manager(tmp_path, snapshot_every=2)
    sid = m.create(1, "s", "broken-export").id
    _feed(m, sid, [3, 3])
    assert m.store.snapshots(sid) == []
    assert [r.seq for r in m.store.events(sid, -1, 100)] == list(range(6))
    assert m.context(1, sid, "", 100)[1]["events"] == 6


def test_ssm_session_restores_from_its_snapshot_without_replaying_the_log(tmp_path):
    m = _manager(tmp_path, snapshot_every=0)
    sid = m.create(1, "s", "ssm").id
    _feed(m, sid, [40, 40])
    m.snapshot(1, sid)
    m.ingest(1, sid, [{"seq": 80 + i, "text": f"tail {i}"} for i in range(5)], None, "test")
    fresh = _manager(tmp_path, snapshot_every=0)
    assert (
        fresh.context(1, sid, "line 3", 300)[0].render()
        == m.context(1, sid, "line 3", 300)[0].render()
    )
    assert fresh.metrics.replayed._value.get() == 5  # the tail only: the state came back


def test_automatic_snapshots_give_way_when_they_would_cost_more_than_their_share(tmp_path):
    m = _manager(tmp_path, snapshot_every=5, snapshot_overhead=0.2)
    sid = m.create(1, "s", "window").id
    _feed(m, sid, [5])
    assert len(m.store.snapshots(sid)) == 1
    with m.use(1, sid) as live:
        live.snapshot_s = 1e6  # as if the last snapshot had taken forever
    m.ingest(1, sid, [{"seq": 5 + i, "text": f"more {i}"} for i in range(45)], None, "test")
    assert len(m.store.snapshots(sid)) == 1  # not due: ingest time has not paid for it
    m.ingest(1, sid, [{"seq": 50 + i, "text": f"more {i}"} for i in range(5)], None, "test")
    assert len(m.store.snapshots(sid)) == 2  # but never later than 10 x snapshot_every events
    uncapped = _manager(tmp_path, snapshot_every=5, snapshot_overhead=0.0)
    with uncapped.use(1, sid) as live:
        live.snapshot_s = 1e6
    uncapped.ingest(1, sid, [{"seq": 55 + i, "text": "x"} for i in range(5)], None, "test")
    assert len(uncapped.store.snapshots(sid)) == 3  # 0 = every `snapshot_every` events


def test_shutdown_snapshots_every_session_with_unsnapshotted_events(tmp_path):
    m = _manager(tmp_path, snapshot_every=0)
    a, b, idle = (m.create(1, name, "window").id for name in "abc")
    _feed(m, a, [7])
    _feed(m, b, [3, 2])
    assert m.snapshot_all(10.0) == 2
    heads = {s: [x.upto_seq for x in m.store.snapshots(s)] for s in (a, b, idle)}
    assert heads == {a: [6], b: [4], idle: []}
    assert m.snapshot_all(10.0) == 0  # nothing new since
    fresh = _manager(tmp_path, snapshot_every=0)
    fresh.context(1, a, "", 100)
    fresh.context(1, b, "", 100)
    assert fresh.metrics.replayed._value.get() == 0


def test_warm_up_builds_the_systems_stored_sessions_use(tmp_path):
    m = _manager(tmp_path)
    assert m.warm_up() == []
    for system in ("window", "window", "rag"):
        m.create(1, "s", system)
    assert _manager(tmp_path).warm_up() == ["rag", "window"]


def test_memory_is_regrounded_against_the_log_periodically_and_after_a_restore(tmp_path):
    from dataclasses import replace

    m = _manager(tmp_path, snapshot_every=0, ground_every=1000)
    sid = m.create(1, "s", "ssm").id
    _feed(m, sid, [20])
    m.snapshot(1, sid)

    def corrupt(manager: SessionManager, newest: bool = False) -> None:
        i = -1 if newest else 0
        with manager.use(1, sid) as live:
            ev = live.system.window._events[i]
            live.system.window._events[i] = replace(ev, text="forged line")

    def grounded(manager: SessionManager) -> float:
        return manager.metrics.grounded.labels("repaired")._value.get()

    fresh = _manager(tmp_path, snapshot_every=0, ground_every=1000)  # a restart
    corrupt(fresh)
    assert "forged line" in fresh.context(1, sid, "", 400)[0].render()  # reads do not wait
    fresh.ingest(1, sid, [{"seq": 20, "text": "one more"}], None, "test")  # first write
    assert grounded(fresh) == 1 and "forged line" not in fresh.context(1, sid, "", 400)[0].render()
    fresh.ingest(1, sid, [{"seq": 21 + i, "text": f"x {i}"} for i in range(999)], None, "test")
    corrupt(fresh, newest=True)
    assert "forged line" in fresh.context(1, sid, "", 400)[0].render()  # 999 since the pass
    fresh.ingest(1, sid, [{"seq": 1020, "text": "the 1000th"}], None, "test")
    assert grounded(fresh) == 2 and "forged line" not in fresh.context(1, sid, "", 400)[0].render()
    report = fresh.ground(1, sid)  # on demand: nothing left to change
    assert report["repaired"] == report["dropped"] == 0 and report["checked"] > 0


def test_grounding_refuses_a_log_that_fails_its_chain(tmp_path):
    import sqlite3

    from ssmem.service.errors import ApiError

    m = _manager(tmp_path, snapshot_every=0)
    sid = m.create(1, "s", "window").id
    _feed(m, sid, [10])
    with sqlite3.connect(tmp_path / "ssmem.db") as db:  # an event's text changed on disk
        db.execute(
            "UPDATE events SET body = replace(body, 'line 7', 'line 70') "
            "WHERE session_id = ? AND seq = 7",
            (sid,),
        )
    with pytest.raises(ApiError) as err:
        m.ground(1, sid)
    assert err.value.status == 500 and "seq 7" in err.value.message
