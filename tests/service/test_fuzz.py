"""Schema-driven fuzzing (schemathesis) of every operation in /openapi.json: the server never
fails (no 5xx) and conforms to its schema (every check schemathesis has: status codes,
content types, response bodies and headers, `Allow` on 405, schema-valid requests accepted,
schema-invalid ones rejected, auth enforced).

Path ids are pinned to a real session and snapshot so generated bodies and queries reach the
handlers (guessed ids are covered by test_tenants.py); DELETE is left out so the session
survives the run (so use_after_free has nothing to check). Bounded by max examples per
operation. What the checks cannot apply to is configured below, each with its reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MAX_EXAMPLES = 15

# Exceptions to the conformance checks, each with the reason it cannot apply:
EXCEPTIONS = """
# A batch over max_batch_events (the schema's maxItems) is 413 Payload Too Large, not 422.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "409", "413", "422", "429"]

# Whether an event is accepted depends on the session's state, which no JSON Schema states:
# seqs must increase past the session head (a lower seq must repeat a committed event, else
# 409/422), and a `ts` string must parse as ISO-8601. The rest is still checked here.
[[operations]]
include-path = "/v1/sessions/{session_id}/events"
include-method = "POST"
checks.positive_data_acceptance.enabled = false
"""


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors_and_no_schema_mismatch(
    make_server, tmp_path, monkeypatch
):
    st = Path(sys.executable).parent / "schemathesis"
    if not st.exists() and not shutil.which("schemathesis"):
        pytest.skip("schemathesis is not installed (pip install -e '.[dev]')")
    monkeypatch.setenv("SSMEM_SNAPSHOT_KEEP", "1000000")  # fuzzed creates must not prune ours
    srv = make_server("--rate-per-s", "0")
    c = srv.tenant()
    sid = c.create_session()["id"]
    c.ingest(sid, [{"seq": i, "text": f"event {i}"} for i in range(5)])
    a = c.create_snapshot(sid)["id"]
    c.ingest(sid, [{"seq": 5, "text": "event 5"}])
    b = c.create_snapshot(sid)["id"]
    cfg = tmp_path / "schemathesis.toml"
    cfg.write_text(
        f'[parameters]\n"path.session_id" = "{sid}"\n"path.snapshot_id" = {a}\n'
        f'"query.from" = {a}\n"query.to" = {b}\n' + EXCEPTIONS
    )
    cmd = [str(st) if st.exists() else "schemathesis", "--config-file", str(cfg), "run"]
    # No --checks: schemathesis runs every check by default, and a CLI list would override
    # the per-operation exceptions in the config file.
    cmd += [f"{srv.url}/openapi.json"]
    cmd += ["-n", str(MAX_EXAMPLES), "--generation-deterministic", "-w", "2"]
    cmd += ["-H", f"Authorization: Bearer {srv.key_of(c)}", "--exclude-method", "DELETE"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Tested: " in run.stdout, run.stdout[-3000:]
    assert "Missing test data" not in run.stdout, run.stdout[-3000:]
