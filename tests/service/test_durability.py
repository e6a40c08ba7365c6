"""Durability: SIGKILL at random moments loses no acknowledged event, restarts render exactly
what a fresh replay of the log renders, and corrupt snapshots or logs are never served."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time

import httpx
import pytest

from ssmem import Client
from ssmem.service import snapshots as snaps

BUDGETS = (7, 64, 512)


def _text(i: int) -> str:
    return f"event {i}: the value of key{i % 13} is now {i * 31 % 997}"


@pytest.mark.slow
def test_sigkill_at_random_points_loses_no_acknowledged_event(make_server, replay):
    srv = make_server("--snapshot-every", "37", "--rate-per-s", "0")
    c = srv.tenant()
    auth = {"Authorization": c.http.headers["Authorization"]}
    sid = c.create_session()["id"]
    rng = random.Random(20261125)
    batches, seq = [], 0
    while seq < 500:
        n = rng.randint(1, 12)
        batches.append([{"seq": s, "text": _text(s), "source": "p"} for s in range(seq, seq + n)])
        seq += n
    acked: set[int] = set()
    lock = threading.Lock()
    done = threading.Event()

    def produce() -> None:
        for batch in batches:
            while True:  # retry the SAME batch until acknowledged (seqs make it idempotent)
                try:
                    r = httpx.post(
                        f"{srv.url}/v1/sessions/{sid}/events",
                        json={"events": batch},
                        headers=auth,
                        timeout=10,
                    )
                except httpx.TransportError:
                    time.sleep(0.02)
                    continue
                assert r.status_code == 200, r.text
                with lock:
                    acked.update(e["seq"] for e in batch)
                break
        done.set()

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    kills = 0
    while kills < 4 and not done.is_set():
        time.sleep(rng.uniform(0.05, 0.5))
        with lock:
            before = set(acked)
        srv.kill()
        kills += 1
        srv.start()
        stored = {e.seq for e in Client(srv.url, srv.key_of(c)).iter_events(sid)}
        assert before <= stored, f"acknowledged but lost after kill {kills}: {before - stored}"
    producer.join(timeout=120)
    assert done.is_set() and kills >= 3, "the stream ended before the server was killed enough"
    c = Client(srv.url, srv.key_of(c))
    events = list(c.iter_events(sid))
    assert [e.seq for e in events] == sorted(acked) == list(range(seq))
    assert any(s["status"] == "ok" for s in c.snapshots(sid))
    for restart in (False, True):  # after the kills, and after a clean restart
        if restart:
            srv.restart()
            c = Client(srv.url, srv.key_of(c))
        for budget in BUDGETS:
            assert c.memory(sid, budget=budget, format="text") == replay(events, "window", budget)


def _setup(srv, n1=40, n2=15):
    c = srv.tenant()
    sid = c.create_session()["id"]
    c.ingest(sid, [{"seq": i, "text": _text(i)} for i in range(n1)])
    first = c.create_snapshot(sid)
    c.ingest(sid, [{"seq": i, "text": _text(i)} for i in range(n1, n1 + n2)])
    second = c.create_snapshot(sid)
    c.ingest(sid, [{"seq": n1 + n2, "text": "after the last snapshot"}])
    return c, sid, first, second


def _db(srv) -> sqlite3.Connection:
    return sqlite3.connect(srv.data_dir / "ssmem.db")


def test_corrupt_snapshot_is_detected_and_rebuilt_by_replay(make_server, replay):
    srv = make_server("--snapshot-every", "0")
    c, sid, first, second = _setup(srv)
    key = srv.key_of(c)
    srv.stop()
    with _db(srv) as db:
        (state,) = db.execute(
            "SELECT state FROM snapshots WHERE id = ?", (second["id"],)
        ).fetchone()
        forged = bytes(state).replace(
            b"is now", b"is NOT"
        )  # still valid JSON: only the checksum knows
        assert forged != bytes(state)
        db.execute("UPDATE snapshots SET state = ? WHERE id = ?", (forged, second["id"]))
    srv.start()
    c = Client(srv.url, key)
    events = list(c.iter_events(sid))
    for budget in BUDGETS:
        text = c.memory(sid, budget=budget, format="text")
        assert text == replay(events, "window", budget) and "is NOT" not in text
    status = {s["id"]: s["status"] for s in c.snapshots(sid)}
    assert status == {first["id"]: "ok", second["id"]: "corrupt"}
    admin = {"Authorization": f"Bearer {srv.admin_key}"}
    metrics = httpx.get(srv.url + "/metrics", headers=admin).text
    assert "ssmem_snapshots_corrupt_total 1.0" in metrics


def test_snapshot_with_valid_checksum_but_wrong_chain_is_rejected(make_server, replay):
    srv = make_server("--snapshot-every", "0")
    c, sid, first, second = _setup(srv)
    key = srv.key_of(c)
    srv.stop()
    with _db(srv) as db:  # claim the first snapshot's state covers the second's events
        (state,) = db.execute("SELECT state FROM snapshots WHERE id = ?", (first["id"],)).fetchone()
        forged = snaps.checksum("window", second["upto_seq"], second["chain"], bytes(state))
        db.execute(
            "UPDATE snapshots SET state = ?, checksum = ?, chain = ? WHERE id = ?",
            (bytes(state), forged, first["chain"], second["id"]),
        )
    srv.start()
    c = Client(srv.url, key)
    events = list(c.iter_events(sid))
    assert c.memory(sid, budget=512, format="text") == replay(events, "window", 512)
    assert {s["id"]: s["status"] for s in c.snapshots(sid)}[second["id"]] == "corrupt"


def test_tampered_event_log_is_refused_not_served(make_server):
    srv = make_server("--snapshot-every", "0")
    c, sid, _, _ = _setup(srv)
    key = srv.key_of(c)
    srv.stop()
    with _db(srv) as db:
        body = json.dumps(
            {"kind": "event", "meta": {}, "seq": 50, "source": "", "text": "forged", "ts": None},
            sort_keys=True,
            separators=(",", ":"),
        )
        db.execute("UPDATE events SET body = ? WHERE session_id = ? AND seq = 50", (body, sid))
        db.execute("DELETE FROM snapshots")
    srv.start()
    r = Client(srv.url, key).http.get(f"/v1/sessions/{sid}/memory", params={"format": "text"})
    assert r.status_code == 500 and "hash chain at seq 50" in r.json()["error"]["message"]
    assert "forged" not in r.text
