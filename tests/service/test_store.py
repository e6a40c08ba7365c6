"""The SQLite store's group commit: concurrent batches share transactions, a failing batch
is undone alone, and every reply means the batch is in the database."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from ssmem.service import eventlog
from ssmem.service import store as store_module
from ssmem.service.store import EventRow, SessionRow, SnapshotRow, StaleWrite, open_store


def _session(store, i: int) -> SessionRow:
    sid = f"{i:032x}"
    row = SessionRow(sid, 1, "s", "window", 0.0, -1, 0, 0, eventlog.genesis(sid))
    store.create_session(row)
    return row


def test_concurrent_batches_commit_and_a_stale_one_fails_alone(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/db.sqlite")
    assert store.committer is not None
    heads = [_session(store, i) for i in range(24)]
    wrong = SessionRow(*[*heads[5].__dict__.values()][:5], 7, 0, 0, "f" * 64, None)  # stale head
    results: dict[int, object] = {}

    def append(i: int) -> None:
        head = wrong if i == 5 else heads[i]
        rows = [EventRow(s, 0, f'{{"seq":{s}}}', f"{i}-{s}") for s in range(3)]
        try:
            results[i] = store.append_batch(head, rows, (f"k{i}", "h", "{}"))
        except StaleWrite as err:
            results[i] = err

    threads = [threading.Thread(target=append, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert isinstance(results[5], StaleWrite)
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        per_session = dict(db.execute("SELECT session_id, count(*) FROM events GROUP BY 1"))
        keys = {k for (k,) in db.execute("SELECT key FROM batch_keys")}
    assert per_session == {heads[i].id: 3 for i in range(24) if i != 5}
    assert keys == {f"k{i}" for i in range(24) if i != 5}
    for i in range(24):
        if i != 5:
            assert results[i].last_seq == 2 and store.get_session(heads[i].id).n_events == 3
    store.close()


def test_after_close_writes_are_plain_transactions_with_the_same_checks(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/db.sqlite")
    head = _session(store, 1)
    store.close()
    row = EventRow(0, 0, "{}", "c")
    new = store.append_batch(head, [row], None)  # no committer left: a plain transaction
    assert new.n_events == 1
    with pytest.raises(StaleWrite):
        store.append_batch(head, [row], None)


def _snap(sid: str, upto: int, created: float) -> SnapshotRow:
    return SnapshotRow(0, sid, upto, upto + 1, created, "c" * 64, "k" * 64, "r", 1, "ok")


def test_snapshot_order_and_pruning_follow_the_log_not_the_random_ids(tmp_path, monkeypatch):
    store = open_store(f"sqlite:///{tmp_path}/db.sqlite")
    sid = _session(store, 1).id
    drawn = iter([2**53 - 1, 2**52 + 5, 2**52 + 5, 2**52 + 1])  # descending, with a collision
    monkeypatch.setattr(store_module, "new_snapshot_id", lambda: next(drawn))
    ids = [store.add_snapshot(_snap(sid, upto, float(upto)), keep=2) for upto in (3, 7, 9)]
    assert ids == [2**53 - 1, 2**52 + 5, 2**52 + 1]  # the taken id was drawn again
    assert [s.id for s in store.snapshots(sid)] == ids[1:]  # oldest pruned, not the highest id
    assert [s.upto_seq for s in store.snapshots(sid)] == [7, 9]


def test_a_database_with_sequential_snapshot_ids_keeps_working(tmp_path):
    path = tmp_path / "db.sqlite"
    store = open_store(f"sqlite:///{path}")
    sid = _session(store, 1).id
    store.close()
    with sqlite3.connect(path) as db:  # as written before ids were random: autoincrement
        db.execute(
            "INSERT INTO snapshots (session_id, upto_seq, n_events, created, chain, state, "
            "checksum, rendering, state_bytes, status) "
            "VALUES (?, 4, 5, 1.0, ?, NULL, ?, 'r', 1, 'ok')",
            (sid, "c" * 64, "k" * 64),
        )
    store = open_store(f"sqlite:///{path}")
    new = store.add_snapshot(_snap(sid, 8, 2.0), keep=10)
    assert [s.id for s in store.snapshots(sid)] == [1, new] and new >= 2**52
    assert store.snapshot(sid, 1) is not None and store.snapshot(sid, new) is not None
