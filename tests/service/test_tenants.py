"""Tenant isolation: every session endpoint, with another tenant's key or a guessed id, is a
404 that changes nothing; keys are required, and stored only as hashes."""

from __future__ import annotations

import secrets
import sqlite3

import httpx
import pytest
from websockets.sync.client import connect


def _operations(url: str) -> list[tuple[str, str]]:
    spec = httpx.get(url + "/openapi.json").json()
    ops = [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if "{session_id}" in path
    ]
    assert len(ops) >= 10  # guard: the spec really lists the session endpoints
    return ops


def _call(
    url: str, key: str | None, method: str, path: str, sid: str, snap_id: str = "1"
) -> httpx.Response:
    path = path.replace("{session_id}", sid).replace("{snapshot_id}", snap_id)
    path = path.replace("{seq}", "1")
    params = {"from": 1, "to": 2} if path.endswith("/diff") else {}
    body = {"events": [{"text": "intruder"}]} if path.endswith("/events") else {"query": "q"}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(
        method, url + path, params=params, headers=headers, json=body if method == "POST" else None
    )


@pytest.fixture(scope="module")
def victim(server):
    a = server.tenant("alice")
    sid = a.create_session(name="alice's")["id"]
    a.ingest(sid, [{"seq": 0, "text": "alice secret"}])
    a.create_snapshot(sid)
    a.ingest(sid, [{"seq": 1, "text": "alice secret 2"}])
    a.create_snapshot(sid)
    return a, sid


def test_every_session_endpoint_hides_other_tenants(server, victim):
    a, sid = victim
    bob = server.tenant("bob")
    bob_key = server.key_of(bob)
    before = (a.session(sid), [e.to_dict() for e in a.events(sid)], a.snapshots(sid))
    for method, path in _operations(server.url):
        for target in (sid, secrets.token_hex(16), "1", "../" + sid):
            r = _call(server.url, bob_key, method, path, target, str(before[2][0]["id"]))
            assert r.status_code == 404, (method, path, target, r.status_code, r.text)
            assert "alice" not in r.text
    assert bob.sessions() == []
    own = bob.create_session()["id"]  # bob's own session cannot reach alice's snapshot ids
    for snap in a.snapshots(sid):
        assert bob.http.get(f"/v1/sessions/{own}/snapshots/{snap['id']}").status_code == 404
        diff = {"from": snap["id"], "to": snap["id"]}
        assert bob.http.get(f"/v1/sessions/{own}/snapshots/diff", params=diff).status_code == 404
    after = (a.session(sid), [e.to_dict() for e in a.events(sid)], a.snapshots(sid))
    assert after == before


def test_every_endpoint_needs_a_valid_key(server, victim):
    _, sid = victim
    ops = [*_operations(server.url), ("GET", "/v1/sessions"), ("POST", "/v1/sessions")]
    for method, path in ops:
        for key in (None, "ssm_" + secrets.token_urlsafe(32)):
            r = _call(server.url, key, method, path, sid)
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.json()["error"]["field"] == "authorization"


def test_admin_api_needs_the_admin_key(server):
    r = httpx.post(server.url + "/v1/admin/tenants", json={"name": "x"})
    assert r.status_code == 401
    r = httpx.post(
        server.url + "/v1/admin/tenants",
        json={"name": "x"},
        headers={"Authorization": "Bearer " + server.key_of(server.tenant())},
    )
    assert r.status_code == 401


def test_websocket_refuses_other_tenants_session(server, victim):
    _, sid = victim
    key = server.key_of(server.tenant("mallory"))
    ws_url = server.url.replace("http", "ws") + f"/v1/sessions/{sid}/stream"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
        reply = httpx.Response(200, content=ws.recv()).json()
        assert reply["error"]["status"] == 404
    a, _ = victim
    assert len(a.events(sid)) == 2


def test_keys_are_stored_hashed(server, victim):
    a, _ = victim
    key = server.key_of(a)
    db = server.data_dir / "ssmem.db"
    raw = b"".join(p.read_bytes() for p in db.parent.glob("ssmem.db*"))
    assert key.encode() not in raw
    with sqlite3.connect(db) as conn:
        hashes = [r[0] for r in conn.execute("SELECT key_hash FROM api_keys")]
    assert len(hashes) >= 2 and all(len(h) == 64 and not h.startswith("ssm_") for h in hashes)
