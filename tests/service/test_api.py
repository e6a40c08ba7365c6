"""The HTTP API end to end against a real server: sessions, ingest, idempotency, reads."""

from __future__ import annotations

import httpx
import pytest

from ssmem import ServiceError


def ev(seq: int, text: str | None = None, **kw) -> dict:
    return {"seq": seq, "text": text or f"event number {seq}", **kw}


def test_session_lifecycle(server):
    c = server.tenant()
    s = c.create_session(system="window", name="standup")
    assert s["events"] == 0 and s["last_seq"] is None and s["name"] == "standup"
    assert [x["id"] for x in c.sessions()] == [s["id"]]
    assert c.session(s["id"])["system"] == "window"
    c.delete_session(s["id"])
    assert c.sessions() == []
    with pytest.raises(ServiceError) as err:
        c.session(s["id"])
    assert err.value.status == 404 and err.value.field == "session_id"


def test_unknown_system_is_422_naming_the_field(server):
    c = server.tenant()
    with pytest.raises(ServiceError) as err:
        c.create_session(system="no-such-system")
    assert err.value.status == 422 and err.value.field == "system"
    assert "window" in err.value.message  # lists what is available


def test_ingest_then_read_memory_equals_replay(server, replay):
    c = server.tenant()
    sid = c.create_session()["id"]
    out = c.ingest(sid, [ev(0, "Budget is $7,200.", source="Ana"), ev(3), {"text": "no seq"}])
    assert (out["accepted"], out["duplicates"], out["head_seq"]) == (3, 0, 4)
    events = c.events(sid)
    assert [e.seq for e in events] == [0, 3, 4]
    assert events[0].source == "Ana" and events[2].text == "no seq"
    for budget in (5, 20, 200):
        text = c.memory(sid, budget=budget, format="text")
        assert text == replay(events, "window", budget)
    js = c.memory(sid, budget=200)
    assert js["tokens"] <= 200 and js["stats"]["events"] == 3
    assert js["segments"][0]["seqs"] == [0, 3, 4]
    ctx = c.context(sid, "what is the budget?", budget=8)
    assert ctx["tokens"] <= 8 and ctx["system"] == "window"


def test_session_budget_is_the_default_for_reads(server):
    c = server.tenant()
    sid = c.create_session(budget=6)["id"]
    assert c.session(sid)["budget"] == 6
    c.ingest(sid, [ev(i, f"a fairly long line of text number {i}") for i in range(5)])
    assert c.memory(sid)["budget"] == 6 and c.memory(sid)["tokens"] <= 6
    assert c.memory(sid, budget=100)["budget"] == 100
    with pytest.raises(ServiceError) as err:
        c.create_session(budget=10**9)
    assert err.value.status == 422 and err.value.field == "budget"


def test_retried_batch_by_seq_is_not_ingested_twice(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    batch = [ev(0), ev(1), ev(2)]
    assert c.ingest(sid, batch)["accepted"] == 3
    again = c.ingest(sid, batch)
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    overlap = c.ingest(sid, [*batch[1:], ev(3)])
    assert (overlap["accepted"], overlap["duplicates"], overlap["head_seq"]) == (1, 2, 3)
    assert [e.seq for e in c.events(sid)] == [0, 1, 2, 3]


def test_same_seq_with_other_content_is_a_conflict(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    c.ingest(sid, [ev(0), ev(1)])
    with pytest.raises(ServiceError) as err:
        c.ingest(sid, [ev(1, "something else"), ev(2)])
    assert err.value.status == 409 and err.value.field == "events[0].seq"
    assert [e.seq for e in c.events(sid)] == [0, 1]


def test_idempotency_key_replays_the_first_reply(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    first = c.ingest(sid, [{"text": "a"}, {"text": "b"}], idempotency_key="k1")
    second = c.ingest(sid, [{"text": "a"}, {"text": "b"}], idempotency_key="k1")
    assert second["replayed"] and not first["replayed"]
    assert {**second, "replayed": False} == first
    assert len(c.events(sid)) == 2
    with pytest.raises(ServiceError) as err:
        c.ingest(sid, [{"text": "other"}], idempotency_key="k1")
    assert err.value.status == 409 and err.value.field == "idempotency_key"
    body = {"events": [{"text": "c"}], "idempotency_key": "k2"}
    h = {"Authorization": c.http.headers["Authorization"]}
    for _ in range(2):
        r = httpx.post(f"{server.url}/v1/sessions/{sid}/events", json=body, headers=h)
        assert r.status_code == 200
    assert [e.text for e in c.events(sid)] == ["a", "b", "c"]


def nested(depth: int) -> dict:
    out: dict = {}
    for _ in range(depth - 1):
        out = {"k": out}
    return out


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"seq": 5}, "events[2].text"),
        ({"text": 7}, "events[2].text"),
        ({"text": "x", "seq": -1}, "events[2].seq"),
        ({"text": "x", "seq": 1}, "events[2].seq"),  # does not increase
        ({"text": "x", "ts": "yesterday"}, "events[2].ts"),
        ({"text": "x", "meta": []}, "events[2].meta"),
        ({"text": "x", "source": 3}, "events[2].source"),
        ("not an object", "events[2]"),
        # Inputs that were acknowledged and then broke the session for good:
        ({"text": "x", "seq": 2**62 + 1}, "events[2].seq"),  # never listed, 500 after restart
        ({"text": "x", "seq": 2**63}, "events[2].seq"),  # was a 500 OverflowError
        ({"text": "x", "meta": nested(40)}, "events[2].meta"),  # its page was a 500 forever
    ],
)
def test_rejected_batch_ingests_nothing_and_names_the_field(server, bad, field):
    c = server.tenant()
    sid = c.create_session()["id"]
    with pytest.raises(ServiceError) as err:
        c.ingest(sid, [ev(0), ev(1), bad])
    assert err.value.status == 422 and err.value.field == field
    assert c.events(sid) == [] and c.session(sid)["events"] == 0


def test_events_are_paged_in_seq_order(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    c.ingest(sid, [ev(i) for i in range(25)])
    page = c.http.get(f"/v1/sessions/{sid}/events", params={"after": 9, "limit": 10}).json()
    assert [e["seq"] for e in page["events"]] == list(range(10, 20))
    assert page["next_after"] == 19
    assert [e.seq for e in c.iter_events(sid)] == list(range(25))


def test_snapshots_list_create_and_diff(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    c.ingest(sid, [ev(0, "first"), ev(1, "second")])
    a = c.create_snapshot(sid)
    c.ingest(sid, [ev(2, "third")])
    b = c.create_snapshot(sid)
    assert [s["id"] for s in c.snapshots(sid)] == [a["id"], b["id"]]
    assert (a["upto_seq"], b["upto_seq"], b["status"]) == (1, 2, "ok")
    d = c.snapshot_diff(sid, a["id"], b["id"])
    assert d["events_between"] == 1 and d["added"] == ["[#2] third"] and d["removed"] == []
    assert d["state_bytes_delta"] > 0
    with pytest.raises(ServiceError) as err:
        c.snapshot_diff(sid, a["id"], 10**9)
    assert err.value.status == 404 and err.value.field == "to"


def test_ops_endpoints(server):
    c = server.tenant()
    assert c.health() and c.ready()
    sid = c.create_session()["id"]
    c.ingest(sid, [ev(0)])
    c.memory(sid)
    # Totals over every tenant: the admin key only (a tenant's key, or none, is refused).
    assert httpx.get(server.url + "/metrics").status_code == 401
    assert c.http.get("/metrics").status_code == 401
    admin = {"Authorization": f"Bearer {server.admin_key}"}
    text = httpx.get(server.url + "/metrics", headers=admin).text
    for name in (
        "ssmem_events_ingested_total",
        "ssmem_ingest_seconds_bucket",
        "ssmem_memory_read_seconds_bucket",
        "ssmem_sessions_live",
        "ssmem_state_bytes",
        "ssmem_http_request_seconds_bucket",
    ):
        assert name in text
    spec = httpx.get(server.url + "/openapi.json").json()
    assert "/v1/sessions/{session_id}/events" in spec["paths"]
    assert all(p.startswith(("/v1/", "/healthz", "/readyz", "/metrics")) for p in spec["paths"])


def test_unknown_route_and_method_are_json_errors(server):
    r = httpx.get(server.url + "/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = httpx.put(server.url + "/healthz")
    assert r.status_code == 405 and "error" in r.json()


def test_the_largest_seq_is_accepted_and_the_next_assigned_one_is_a_422(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    c.ingest(sid, [{"text": "last", "seq": 2**53 - 1, "meta": nested(32)}])
    assert [e.seq for e in c.events(sid)] == [2**53 - 1]
    with pytest.raises(ServiceError) as err:
        c.ingest(sid, [{"text": "one more"}])  # would be assigned 2**53
    assert err.value.status == 422 and err.value.field == "events[0].seq"
    assert c.session(sid)["events"] == 1


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ('{"text": "x", "meta": {"a": [1, NaN]}}', "events[0].meta"),  # was stored as null
        ('{"text": "x", "score": Infinity}', "events[0].score"),
    ],
)
def test_nan_and_infinity_are_422_naming_the_field(server, bad, field):
    """Python's JSON reader accepts these non-JSON literals, so a client can send them; the
    client library itself refuses to, hence the raw body."""
    c = server.tenant()
    sid = c.create_session()["id"]
    r = httpx.post(
        f"{server.url}/v1/sessions/{sid}/events",
        content=f'{{"events": [{bad}]}}',
        headers={
            "Authorization": c.http.headers["Authorization"],
            "Content-Type": "application/json",
        },
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text
    assert c.session(sid)["events"] == 0


def test_answer_without_a_backend_is_a_409_saying_how_to_enable_it(server):
    """It was a bare 404, as if the session did not exist."""
    c = server.tenant()
    sid = c.create_session()["id"]
    c.ingest(sid, [ev(0)])
    r = c.http.post(f"/v1/sessions/{sid}/answer", json={"query": "what?"})
    assert r.status_code == 409
    assert "--llm-backend" in r.json()["error"]["message"]
    assert server.tenant().http.post(f"/v1/sessions/{sid}/answer", json={}).status_code == 404
    assert "/v1/sessions/{session_id}/answer" in c.http.get("/openapi.json").json()["paths"]


def test_snapshot_ids_reveal_nothing_about_other_tenants(server):
    a, b = server.tenant(), server.tenant()
    sa, sb = a.create_session()["id"], b.create_session()["id"]
    a.ingest(sa, [ev(0)])
    b.ingest(sb, [ev(0)])
    first = a.create_snapshot(sa)["id"]
    theirs = [b.create_snapshot(sb)["id"] for _ in range(5)]  # another tenant's activity
    a.ingest(sa, [ev(1)])
    second = a.create_snapshot(sa)["id"]
    ids = [first, *theirs, second]
    # Not a shared counter (which made second - first = 6 here): random, distinct, and each
    # exact in a JavaScript number.
    assert second - first != len(theirs) + 1
    assert len(set(ids)) == len(ids)
    assert all(2**52 <= i < 2**53 for i in ids), ids
    # Still one session's snapshots in the order taken, readable and diffable by their id.
    assert [s["id"] for s in a.snapshots(sa)] == [first, second]
    assert a.snapshot_diff(sa, first, second)["events_between"] == 1
    assert a.snapshot(sa, second)["upto_seq"] == 1
    r = a.http.get(f"/v1/sessions/{sa}/snapshots/{theirs[0]}")  # another session's id: 404
    assert r.status_code == 404 and r.json()["error"]["field"] == "id"


@pytest.mark.parametrize("budget", [False, True, "64", 1.5, -1])
def test_budget_in_a_body_is_a_json_integer_not_a_boolean_or_string(server, budget):
    c = server.tenant()
    r = c.http.post("/v1/sessions", json={"budget": budget})
    assert r.status_code == 422 and r.json()["error"]["field"] == "budget", r.text
    sid = c.create_session()["id"]
    r = c.http.post(f"/v1/sessions/{sid}/context", json={"budget": budget})
    assert r.status_code == 422 and r.json()["error"]["field"] == "budget", r.text


def test_budget_3_point_0_is_the_integer_3_as_json_schema_says(server):
    c = server.tenant()
    assert c.http.post("/v1/sessions", json={"budget": 3.0}).json()["budget"] == 3


def test_openapi_states_this_servers_limits_and_systems(server):
    spec = httpx.get(server.url + "/openapi.json").json()
    models = spec["components"]["schemas"]
    budget = models["SessionCreate"]["properties"]["budget"]["anyOf"][0]
    assert (budget["minimum"], budget["maximum"]) == (0, 32_768)  # the default max_budget
    assert models["ContextRequest"]["properties"]["budget"]["anyOf"][0]["maximum"] == 32_768
    memory = spec["paths"]["/v1/sessions/{session_id}/memory"]["get"]["parameters"]
    (param,) = [p for p in memory if p["name"] == "budget"]
    assert param["schema"]["anyOf"][0]["maximum"] == 32_768
    assert "window" in models["SessionCreate"]["properties"]["system"]["enum"]
    events = models["EventBatch"]["properties"]["events"]
    assert events["maxItems"] == 1000 and events["items"]["required"] == ["text"]
    ingest = spec["paths"]["/v1/sessions/{session_id}/events"]["post"]["responses"]
    assert "400" in ingest  # malformed JSON
    assert "401" in spec["paths"]["/metrics"]["get"]["responses"]


def test_405_allows_every_method_of_the_path(server):
    c = server.tenant()
    sid = c.create_session()["id"]
    r = c.http.put(f"/v1/sessions/{sid}")
    assert r.status_code == 405 and r.json()["error"]["status"] == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "DELETE"}
    r = c.http.request("PATCH", "/v1/sessions")
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}


def test_ground_checks_memory_against_the_log_and_lists_conflicts(server):
    c = server.tenant()
    sid = c.create_session(system="ssm")["id"]
    c.ingest(
        sid,
        [
            {"seq": 0, "text": "Heads up: the Atlas budget is $7,200 for the quarter."},
            {"seq": 1, "text": "Rule for everyone: never deploy on Fridays."},
            {"seq": 2, "text": "The Atlas budget is now $9,000 after the review."},
        ],
    )
    out = c.ground(sid)
    assert out["checked"] >= 3 and out["repaired"] == out["dropped"] == 0
    pairs = [(x["older"]["seq"], x["newer"]["seq"]) for x in out["conflicts"]]
    assert pairs == [(0, 2)]
    rag = c.create_session(system="rag")["id"]
    with pytest.raises(ServiceError) as err:
        c.ground(rag)
    assert err.value.status == 409 and err.value.field == "session_id"
