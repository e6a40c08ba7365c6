"""`/answer` through a real reader (the smallest packaged model, llama.cpp on CPU)."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")

from ssmem.llm.models import SMALLEST_MODEL, installed_models


@pytest.mark.slow
def test_answer_cites_only_committed_events(make_server):
    if SMALLEST_MODEL not in installed_models():
        pytest.skip(f"{SMALLEST_MODEL} is not installed")
    srv = make_server("--llm-backend", SMALLEST_MODEL, "--rate-per-s", "0")
    c = srv.tenant()
    sid = c.create_session()["id"]
    c.ingest(
        sid,
        [
            {"seq": 1, "text": "The Atlas budget is $7,200.", "source": "Ana"},
            {"seq": 2, "text": "Lunch is at noon.", "source": "Bo"},
            {"seq": 3, "text": "Update: the Atlas budget is now $9,000.", "source": "Ana"},
        ],
    )
    out = c.http.post(
        f"/v1/sessions/{sid}/answer", json={"query": "What is the Atlas budget?", "budget": 300}
    )
    assert out.status_code == 200, out.text
    body = out.json()
    assert body["backend"] and body["answer"]
    assert 0 < body["prompt_tokens"] <= 300
    assert set(body["citations"]) <= {1, 2, 3}
    assert [e["seq"] for e in body["cited"]] == body["citations"]
    r = c.http.post(f"/v1/sessions/{sid}/answer", json={"query": "  "})
    assert r.status_code == 422 and r.json()["error"]["field"] == "query"
    other = srv.tenant().http.post(f"/v1/sessions/{sid}/answer", json={"query": "budget?"})
    assert other.status_code == 404 and "Atlas" not in other.text
