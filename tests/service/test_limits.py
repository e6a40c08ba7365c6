"""Limits and hostile input: each limit gives its own clear 4xx; bad bytes never give a 500."""

from __future__ import annotations

import httpx
import pytest


def _post(srv, client, sid, content: bytes, ctype="application/json") -> httpx.Response:
    headers = {"Authorization": client.http.headers["Authorization"], "Content-Type": ctype}
    return httpx.post(f"{srv.url}/v1/sessions/{sid}/events", content=content, headers=headers)


def _err(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    return r.json()["error"]


def test_size_limits_are_413_and_ingest_nothing(small):
    c = small.tenant()
    sid = c.create_session()["id"]
    big = b'{"events": [{"text": "' + b"x" * 30_000 + b'"}]}'
    assert _err(_post(small, c, sid, big), 413)["field"] == "body"
    many = {"events": [{"text": str(i)} for i in range(6)]}
    r = c.http.post(f"/v1/sessions/{sid}/events", json=many)
    assert _err(r, 413)["field"] == "events"
    fat = {"events": [{"text": "ok"}, {"text": "y" * 700}]}
    r = c.http.post(f"/v1/sessions/{sid}/events", json=fat)
    assert _err(r, 413)["field"] == "events[1]"
    assert c.events(sid) == []


def test_body_over_limit_without_content_length_is_cut_off(small):
    c = small.tenant()
    sid = c.create_session()["id"]

    def chunks():
        yield b'{"events": [{"text": "'
        for _ in range(40):
            yield b"z" * 1000
        yield b'"}]}'

    headers = {"Authorization": c.http.headers["Authorization"], "Content-Type": "application/json"}
    r = httpx.post(f"{small.url}/v1/sessions/{sid}/events", content=chunks(), headers=headers)
    assert _err(r, 413)["field"] == "body"


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00garbage",
        b'{"events": [{"text": "\xc3\x28"}]}',  # invalid UTF-8 inside a string
        b'{"events": [',
        b"",
        b"[" * 5000,
        b'{"events": [{"text": "a"}], "events": 3',
    ],
)
def test_bad_bytes_are_400_or_422_naming_the_body(small, raw):
    c = small.tenant()
    sid = c.create_session()["id"]
    r = _post(small, c, sid, raw)
    assert r.status_code in (400, 422), r.text
    assert r.json()["error"]["field"] in ("body", "events")
    assert c.events(sid) == []


def test_lone_surrogate_and_nul_are_422(small):
    c = small.tenant()
    sid = c.create_session()["id"]
    r = _post(small, c, sid, b'{"events": [{"text": "ok"}, {"text": "\\ud800"}]}')
    assert _err(r, 422)["field"] == "events[1]"
    r = c.http.post("/v1/sessions", json={"name": "a\u0000b"})
    assert _err(r, 422)["field"] == "name"
    r = _post(small, c, sid, b'{"events": [{"text": "nul \\u0000 is data"}]}')
    assert r.status_code == 200  # NUL inside event text is stored verbatim (escaped JSON)
    assert c.events(sid)[0].text == "nul \x00 is data"


def test_wrong_types_are_422_naming_the_field(small):
    c = small.tenant()
    r = c.http.post("/v1/sessions", json={"system": 3})
    assert _err(r, 422)["field"] == "system"
    r = c.http.post("/v1/sessions", json={"surprise": 1})
    assert _err(r, 422)["field"] == "surprise"
    sid = c.create_session()["id"]
    r = c.http.get(f"/v1/sessions/{sid}/memory", params={"budget": "lots"})
    assert _err(r, 422)["field"] == "budget"
    r = c.http.get(f"/v1/sessions/{sid}/memory", params={"budget": 10**9})
    assert _err(r, 422)["field"] == "budget"
    r = c.http.post(f"/v1/sessions/{sid}/events", json={"events": "nope"})
    assert _err(r, 422)["field"] == "events"


def test_rate_limit_is_429_with_retry_after(make_server):
    srv = make_server("--rate-per-s", "1", "--rate-burst", "3")
    c = srv.tenant()
    codes = [c.http.get("/v1/sessions").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
    r = c.http.get("/v1/sessions")
    assert _err(r, 429)["code"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    other = srv.tenant()  # buckets are per tenant
    assert other.http.get("/v1/sessions").status_code == 200


def test_websocket_message_over_the_limit_closes_with_1009(small):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    c = small.tenant()
    sid = c.create_session()["id"]
    url = small.url.replace("http://", "ws://") + f"/v1/sessions/{sid}/stream"
    with connect(url, additional_headers={"Authorization": c.http.headers["Authorization"]}) as ws:
        ws.recv()
        ws.send('{"events": [{"text": "' + "x" * 30_000 + '"}]}')
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 1009
    assert c.events(sid) == []


def test_unknown_keys_are_throttled_per_address_without_a_lookup(make_server, monkeypatch):
    monkeypatch.setenv("SSMEM_LIMIT_AUTH_FAIL_BURST", "4")
    monkeypatch.setenv("SSMEM_LIMIT_AUTH_FAIL_PER_S", "0.05")
    srv = make_server("--rate-per-s", "0")
    good = srv.tenant()
    assert good.http.get("/v1/sessions").status_code == 200  # resolved once: now cached
    codes = []
    for _ in range(7):
        bad = httpx.get(
            srv.url + "/v1/sessions", headers={"Authorization": "Bearer ssm_" + "x" * 43}
        )
        codes.append(bad.status_code)
    assert codes == [401] * 4 + [429] * 3
    assert bad.json()["error"]["field"] == "authorization" and int(bad.headers["Retry-After"]) > 0
    assert httpx.get(srv.url + "/v1/sessions").status_code == 401  # no key: no lookup, no charge
    assert good.http.get("/v1/sessions").status_code == 200  # a known key is never blocked
