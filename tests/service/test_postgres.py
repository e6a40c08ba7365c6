"""The PostgreSQL backend against a real PostgreSQL server started for these tests: the same
API, idempotency, isolation, crash recovery and snapshot checks as on SQLite."""

from __future__ import annotations

import secrets

import pytest

pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")

import psycopg

from ssmem import Client, ServiceError

from .pg import TempPostgres


@pytest.fixture(scope="module")
def pg():
    server = TempPostgres()
    try:
        server.start()
    except RuntimeError as err:
        server.stop()
        pytest.skip(f"cannot start PostgreSQL here: {err}")
    yield server
    server.stop()


@pytest.fixture
def pg_server(pg, make_server):
    url = pg.create_db("t_" + secrets.token_hex(4))
    srv = make_server("--db-url", url, "--rate-per-s", "0", "--snapshot-every", "9")
    srv.db_url = url
    return srv


def test_api_on_postgres(pg_server, replay):
    srv = pg_server
    assert Client(srv.url).http.get("/readyz").json()["backend"] == "postgresql"
    c = srv.tenant()
    sid = c.create_session(name="pg")["id"]
    batch = [{"seq": i, "text": f"event {i}", "meta": {"n": i}} for i in range(20)]
    assert c.ingest(sid, batch)["accepted"] == 20
    assert c.ingest(sid, batch[10:])["duplicates"] == 10
    with pytest.raises(ServiceError) as err:
        c.ingest(sid, [{"seq": 3, "text": "rewrite history"}])
    assert err.value.status == 409
    with pytest.raises(ServiceError):
        c.ingest(sid, [{"seq": 20, "text": "ok"}, {"text": 1}])
    assert c.ingest(sid, [{"text": "k"}], idempotency_key="k")["accepted"] == 1
    assert c.ingest(sid, [{"text": "k"}], idempotency_key="k")["replayed"]
    events = list(c.iter_events(sid))
    assert [e.seq for e in events] == list(range(21))
    assert c.memory(sid, budget=40, format="text") == replay(events, "window", 40)
    c.create_snapshot(sid)
    snaps = c.snapshots(sid)
    assert len(snaps) == 2 and snaps[0]["upto_seq"] == 19  # automatic (every 9), then manual
    d = c.snapshot_diff(sid, snaps[0]["id"], snaps[-1]["id"])
    assert d["events_between"] == snaps[-1]["events"] - snaps[0]["events"]
    other = srv.tenant()
    with pytest.raises(ServiceError) as err:
        other.memory(sid)
    assert err.value.status == 404
    # Inputs PostgreSQL rejects in TEXT (NUL) must be 4xx or stored escaped, never a 500.
    assert c.http.get("/v1/sessions/%00" + sid[1:]).status_code == 404
    assert c.http.post("/v1/sessions", json={"name": "a\u0000"}).status_code == 422
    nul = c.ingest(sid, [{"text": "x\u0000y", "source": "s\u0000", "meta": {"k\u0000": "v"}}])
    assert nul["accepted"] == 1 and c.events(sid, after=20)[0].text == "x\u0000y"
    c.delete_session(sid)
    assert c.sessions() == []


@pytest.mark.slow
def test_sigkill_and_corrupt_snapshot_on_postgres(pg_server, replay):
    srv = pg_server
    c = srv.tenant()
    key = srv.key_of(c)
    sid = c.create_session()["id"]
    for part in range(3):
        c.ingest(sid, [{"seq": part * 10 + i, "text": f"p{part} e{i}"} for i in range(10)])
        srv.kill()
        srv.start()
        c = Client(srv.url, key)
        assert [e.seq for e in c.iter_events(sid)] == list(range((part + 1) * 10))
    events = list(c.iter_events(sid))
    assert c.memory(sid, budget=64, format="text") == replay(events, "window", 64)
    srv.stop()
    with psycopg.connect(srv.db_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE snapshots SET state = overlay(state placing 'X'::bytea from 30 for 1) "
            "WHERE id = (SELECT id FROM snapshots ORDER BY created DESC LIMIT 1)"
        )
    srv.start()
    c = Client(srv.url, key)
    assert c.memory(sid, budget=64, format="text") == replay(events, "window", 64)
    assert c.snapshots(sid)[-1]["status"] == "corrupt"
