"""`ssmem serve` loads torch only when a session needs a model: an idle server, and one that
serves only `window` sessions, never map it (it used to idle at ~267 MB because of it)."""

from __future__ import annotations

from pathlib import Path

import pytest


def torch_loaded(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.slow
def test_torch_is_loaded_only_for_a_system_that_needs_it(make_server):
    srv = make_server("--rate-per-s", "0")
    assert srv.proc is not None
    c = srv.tenant()
    assert not torch_loaded(srv.proc.pid)
    sid = c.create_session(system="window")["id"]
    c.ingest(sid, [{"text": "The pool size is 40."}])
    assert "pool size" in c.memory(sid, budget=64, format="text")
    assert c.context(sid, "pool size?", 64)["tokens"] > 0
    assert not torch_loaded(srv.proc.pid)  # window sessions, their reads and errors: no torch
    c.create_session(system="ssm")
    assert torch_loaded(srv.proc.pid)
