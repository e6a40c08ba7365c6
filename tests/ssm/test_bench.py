"""`ssmem bench-ssm` plumbing on a tiny configuration (no timings are asserted)."""

from __future__ import annotations

import json

import pytest
import torch

from ssmem.bench.ssm_baselines import CausalTransformerLayer, KVCache
from ssmem.bench.ssm_core import SSMCoreConfig, run_bench
from ssmem.cli import bench_ssm_cmd as cmd
from ssmem.cli.main import main

TINY = SSMCoreConfig(
    d_models=(16, 32),
    threads=1,
    reference_length=40,
    scan_lengths=(40, 80),
    step_count=5,
    kv_history=6,
    memory_steps=(50, 120),
    memory_lengths=(32, 64),
)


def test_tiny_run_has_every_row_and_the_summary() -> None:
    result = run_bench(TINY)
    ops = {(r["model"], r["op"]) for r in result["rows"]}
    assert ("ssm", "forward reference scan") in ops and ("ssm", "forward chunked scan") in ops
    assert ("gru", "step") in ops and ("transformer", "step, KV cache from empty") in ops
    steps = [r for r in result["rows"] if r["op"] == "step peak RSS"]
    assert [r["length"] for r in steps] == [50, 120]
    s = result["summary"]
    for key in ("chunked_over_reference", "step_b64_over_gru_b64", "step_memory_growth"):
        assert isinstance(s[key], float) and key in s["met"]
    assert set(s["by_d_model"]) == {"16", "32"}
    json.dumps(result)  # serialisable as written by --json


def test_cli_writes_json_and_a_table(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(cmd.SSMCoreConfig, "quick", classmethod(lambda cls, threads: TINY))
    out = tmp_path / "bench.json"
    main(["bench-ssm", "--quick", "--json", str(out), "--threads", "1"])
    table = capsys.readouterr().out
    assert "| ssm | 16 | forward chunked scan |" in table
    assert "step_memory_growth" in table
    assert json.loads(out.read_text())["summary"]["by_d_model"].keys() == {"16", "32"}


def test_kv_cached_steps_equal_the_causal_forward() -> None:
    torch.manual_seed(0)
    layer = CausalTransformerLayer(16, n_head=2).eval()
    x = torch.randn(2, 7, 16)
    cache = KVCache(2, 2, 8, 7)
    with torch.no_grad():
        steps = torch.stack([layer.step(x[:, t], cache) for t in range(7)], dim=1)
        torch.testing.assert_close(steps, layer(x), atol=1e-5, rtol=1e-5)
    assert cache.nbytes == 2 * 2 * 7 * 16 * 4


def test_bad_width_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench-ssm", "--d-model", "2"])
    assert exit_.value.code == 2


def test_json_into_a_missing_directory_fails_before_running(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench-ssm", "--quick", "--json", str(tmp_path / "no" / "x.json")])
    assert exit_.value.code == 2
    assert "--json" in capsys.readouterr().err
