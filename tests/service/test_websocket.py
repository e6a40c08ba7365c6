"""WebSocket ingest: a reply per message, in order, after commit; errors ingest nothing."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def _ws(server, client, sid):
    url = server.url.replace("http://", "ws://") + f"/v1/sessions/{sid}/stream"
    headers = {"Authorization": client.http.headers["Authorization"]}
    return connect(url, additional_headers=headers, open_timeout=10)


def test_pipelined_batches_are_acked_in_order_after_commit(server, replay):
    c = server.tenant()
    sid = c.create_session()["id"]
    with _ws(server, c, sid) as ws:
        hello = json.loads(ws.recv())
        assert hello["ready"] and hello["head_seq"] == -1
        for m in range(40):  # sent without waiting: the server reads one at a time
            events = [{"seq": m * 5 + i, "text": f"m{m} e{i}"} for i in range(5)]
            ws.send(json.dumps({"id": m, "events": events}))
        acks = [json.loads(ws.recv(timeout=30)) for _ in range(40)]
    assert [a["id"] for a in acks] == list(range(40))
    assert [a["ack"]["head_seq"] for a in acks] == [m * 5 + 4 for m in range(40)]
    events = c.events(sid, limit=1000)
    assert [e.seq for e in events] == list(range(200))
    assert c.memory(sid, budget=100, format="text") == replay(events, "window", 100)


def test_bad_messages_get_error_frames_and_ingest_nothing(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    with _ws(server, c, sid) as ws:
        json.loads(ws.recv())
        ws.send("{not json")
        assert json.loads(ws.recv())["error"]["status"] == 400
        ws.send(json.dumps({"id": "a", "events": [{"text": "ok"}, {"text": 5}]}))
        reply = json.loads(ws.recv())
        assert reply["id"] == "a" and reply["error"]["field"] == "events[1].text"
        ws.send(b"\xff\xfe")
        assert json.loads(ws.recv())["error"]["status"] == 400
        ws.send(json.dumps({"id": "b", "events": [{"seq": 3, "text": "fine"}]}))
        assert json.loads(ws.recv())["ack"]["accepted"] == 1
        ws.send(json.dumps({"id": "c", "events": [{"seq": 3, "text": "fine"}]}))
        assert json.loads(ws.recv())["ack"]["duplicates"] == 1  # a retry after reconnect
    assert [e.text for e in c.events(sid)] == ["fine"]


def test_bad_key_gets_an_error_then_close(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    c.http.headers["Authorization"] = "Bearer wrong"
    with _ws(server, c, sid) as ws:
        assert json.loads(ws.recv())["error"]["status"] == 401
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 1008


def test_unknown_keys_are_throttled_per_address_over_websocket_too(make_server, monkeypatch):
    monkeypatch.setenv("SSMEM_LIMIT_AUTH_FAIL_BURST", "3")
    monkeypatch.setenv("SSMEM_LIMIT_AUTH_FAIL_PER_S", "0.05")
    srv = make_server("--rate-per-s", "0")
    good = srv.tenant()
    sid = good.create_session()["id"]
    bad = srv.tenant()
    bad.http.headers["Authorization"] = "Bearer ssm_" + "x" * 43
    errors = []
    for _ in range(5):
        with _ws(srv, bad, sid) as ws:
            errors.append(json.loads(ws.recv())["error"])
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
    assert [e["status"] for e in errors] == [401] * 3 + [429] * 2
    assert errors[-1]["field"] == "authorization" and "retry in" in errors[-1]["message"]
    # One bucket per address, shared with HTTP; a known key is never blocked.
    assert bad.http.get("/v1/sessions").status_code == 429
    with _ws(srv, good, sid) as ws:
        assert json.loads(ws.recv())["ready"]
