"""The runner on a tiny matrix: files, schema, picked-up systems, bad input."""

from __future__ import annotations

import json

import pytest

from ssmem.bench.runner import BenchConfig, jobs_of, run_bench, run_matrix
from ssmem.bench.streams import StreamOptions
from ssmem.cli.main import main
from ssmem.errors import InputError
from ssmem.systems import SYSTEMS, register
from ssmem.systems.window import WindowMemory


@pytest.fixture
def extra_system():
    class Newest(WindowMemory):
        name = "newest"

    register("newest", lambda counter: Newest(counter))
    yield "newest"
    SYSTEMS.pop("newest")


@pytest.mark.slow  # matplotlib renders seven figures
def test_tiny_matrix_writes_results_summary_and_plots(tmp_path, extra_system):
    cfg = BenchConfig(
        systems=("window", "full", extra_system),
        families=("meeting", "incident"),
        lengths=(600, 1200),
        budgets=(64, 256),
        seeds=(0,),
        workers=1,
        streams=StreamOptions(),
    )
    results = run_bench(cfg, tmp_path, "test", progress=False)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data == json.loads(json.dumps(results))
    runs = data["runs"]
    assert len(runs) == 3 * 2 * 2 * 2
    assert {r["system"] for r in runs} == {"window", "full", "newest"}
    for r in runs:
        assert set(r) >= {"system", "family", "stream_tokens", "budget", "seed", "metrics"}
        m = r["metrics"]
        assert m["tokens"] <= r["budget"] and m["questions"] > 0
        assert 0.0 <= m["answerable"] <= 1.0 and m["ingest_s_per_event"] >= 0
    assert set(data["meta"]) >= {"command", "git_commit", "date", "machine", "tokenizer", "wall_s"}
    by = {(r["system"], r["family"], r["stream_tokens"], r["budget"]): r["metrics"] for r in runs}
    # more budget never hurts a window
    assert (
        by["window", "meeting", 1200, 256]["answerable"]
        >= by["window", "meeting", 1200, 64]["answerable"]
    )
    summary = (tmp_path / "summary.md").read_text()
    assert "| meeting | newest |" in summary and "test" in summary
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "recall_vs_distance.png" in pngs and "answerable_vs_budget.png" in pngs
    assert "implicit_vs_gap.png" not in pngs  # no implicit updates in these families
    assert all((tmp_path / p).stat().st_size > 1000 for p in pngs)


def test_unknown_names_are_input_errors():
    with pytest.raises(InputError, match="unknown system 'nope'"):
        BenchConfig(("nope",), ("meeting",), (1000,), (64,), (0,))
    with pytest.raises(InputError, match="unknown family 'poems'"):
        BenchConfig(("window",), ("poems",), (1000,), (64,), (0,))


def test_cli_rejects_bad_options_with_exit_code_2(tmp_path, capsys):
    for args in (
        ["--systems", "nope"],
        ["--budgets", "a,b"],
        ["--families", "poems"],
        ["--reader", "nope"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(["bench", *args, "--out", str(tmp_path / "x")])
        assert exc.value.code == 2
        assert capsys.readouterr().err.startswith("ssmem: error:")


def test_a_failing_system_is_reported_and_the_rest_still_runs():
    class Broken(WindowMemory):
        name = "broken"

        def context(self, query, budget):
            raise RuntimeError("boom")

    register("broken", lambda counter: Broken(counter))
    try:
        cfg = BenchConfig(("window", "broken"), ("meeting",), (600,), (64,), (0,), workers=1)
        rows, errors = run_matrix(cfg, progress=False)
    finally:
        SYSTEMS.pop("broken")
    assert [r["system"] for r in rows] == ["window"]
    assert len(errors) == 1 and "broken/meeting/600" in errors[0] and "boom" in errors[0]


def test_limits_skip_cells_and_say_so():
    cfg = BenchConfig(
        ("window", "full"),
        ("meeting", "locomo"),
        (600, 2000),
        (64,),
        (0,),
        limits={"full": (("meeting",), 600)},
    )
    run, skipped = jobs_of(cfg)
    assert {(j.system, j.family, j.length) for j in run if j.system == "full"} == {
        ("full", "meeting", 600)
    }
    assert {(j.family, j.length) for j in skipped} == {("meeting", 2000), ("locomo", 0)}


def test_real_families_with_few_streams_only_get_the_seeds_they_have():
    cfg = BenchConfig(("window",), ("handwritten", "locomo"), (1000,), (64,), (0, 1, 12))
    run, _ = jobs_of(cfg)
    assert sorted((j.family, j.seed) for j in run) == [
        ("handwritten", 0),
        ("locomo", 0),
        ("locomo", 1),
    ]


def test_handwritten_stream_runs_through_the_matrix():
    cfg = BenchConfig(("window",), ("handwritten",), (1000,), (128,), (0,), workers=1)
    rows, errors = run_matrix(cfg, progress=False)
    assert not errors and rows[0]["family"] == "handwritten"
    assert rows[0]["metrics"]["questions"] > 0 and rows[0]["stream_tokens"] > 1000


def test_a_thread_family_reports_answerable_by_gap_and_plots_it(tmp_path):
    cfg = BenchConfig(("window",), ("household",), (2000,), (256,), (0,), workers=1)
    results = run_bench(cfg, tmp_path, "test", progress=False)
    (run,) = results["runs"]
    by_gap = run["metrics"]["implicit_by_gap"]
    assert by_gap and set(by_gap) <= {"0", "1", "2", "3"}
    asked = run["metrics"]["by_category"]["implicit_update"]["n"]
    assert sum(n for _, n in by_gap.values()) == asked
    assert all(0 <= hit <= n for hit, n in by_gap.values())
    assert (tmp_path / "implicit_vs_gap.png").stat().st_size > 1000


def test_seed_ranges_expand_and_bad_ranges_are_input_errors():
    from ssmem.cli.bench_cmd import _ints

    assert _ints("0-3,7", "seeds") == (0, 1, 2, 3, 7)
    assert _ints("5", "seeds") == (5,)
    for bad in ("3-1", "a-b", "1-"):
        with pytest.raises(InputError, match="--seeds"):
            _ints(bad, "seeds")


def test_a_plot_with_one_budget_or_one_length_draws_bars_not_dots(tmp_path, monkeypatch):
    """With one budget measured, "answerable vs budget" was a dot per system (issue 17)."""
    from ssmem.bench import report

    runs = [
        {"family": "meeting", "system": s, "stream_tokens": n, "budget": 256, "seed": 0,
         "metrics": {"answerable": v}}
        for s, v in (("window", 0.1), ("ssm", 0.9)) for n in (2000, 8000)
    ]  # fmt: skip
    meta = {"command": "test", "git_commit": "x", "date": "d"}
    drawn = {}

    def keep(plt, fig, axes, title, meta, path):
        drawn[path.name] = (title, axes[0])

    monkeypatch.setattr(report, "_finish", keep)
    report.plot_vs(runs, meta, "budget", "answerable", tmp_path / "b.png")
    report.plot_vs(runs, meta, "stream_tokens", "answerable", tmp_path / "l.png")
    title, ax = drawn["b.png"]
    assert "budget 256 (the only one measured)" in title
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.1, 0.9] and not ax.lines
    title, ax = drawn["l.png"]  # two lengths: still a line per system
    assert "only one" not in title and len(ax.lines) == 2 and not ax.patches
