"""`ssmem bench-query`: read-path latency rows on a tiny generated stream, and its CLI table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssmem.bench.query_latency import QueryStream, measure, percentile
from ssmem.bench.streams import StreamOptions, make_stream
from ssmem.tokens import default_counter


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert percentile([7.0], 95) == 7.0


def test_measure_times_every_query_per_system() -> None:
    counter = default_counter()
    stream = make_stream("meeting", 2000, 0, counter, StreamOptions())
    qs = QueryStream("meeting", stream, tuple(q.query for q in stream.questions))
    assert qs.queries
    rows = measure([qs], ["window", "rag"], [256, 1024], "generated", counter)
    assert [(r.system, r.budget) for r in rows] == [
        ("window", 256),
        ("window", 1024),
        ("rag", 256),
        ("rag", 1024),
    ]
    for r in rows:
        assert r.n == len(qs.queries) > 0
        assert r.p95_ms >= r.p50_ms > 0
        assert r.max_ms >= r.p95_ms
        assert r.ingest_s > 0
        assert r.events == len(stream.events)


def test_cli_prints_the_table_and_load(cli, tmp_path: Path) -> None:
    out_json = tmp_path / "q.json"
    code, out, err = cli(
        ["bench-query", "--length", "2000", "--systems", "window", "--json", str(out_json)]
    )
    assert code == 0, err
    assert "| system | source | budget | n | p50 ms | p95 ms | mean ms | ingest s |" in out
    assert "| window | generated | 1024 |" in out
    assert out.count("machine load (") == 2
    result = json.loads(out_json.read_text())
    assert len(result["machine_start"]["load_avg"]) == 3
    assert result["rows"][0]["n"] > 0
    assert "ingested" in err  # progress goes to stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--budgets", "x"], "--budgets"),
        (["--source", "nope"], "--source"),
        (["--systems", "nope"], "unknown system"),
        (["--length", "10"], "--length"),
    ],
)
def test_bad_options_are_one_line_errors(cli, args: list[str], needle: str) -> None:
    code, out, err = cli(["bench-query", *args])
    assert code == 2
    assert out == ""
    assert needle in err and err.count("\n") == 1


def test_no_system_is_timed_on_vectors_another_one_paid_for() -> None:
    """The encoder caches vectors by text in a process: a second system ingesting the same
    stream (or asking the same queries) would look free. Each system starts cold."""
    from ssmem.encoders.minilm import shared_encoder

    counter = default_counter()
    stream = make_stream("coding", 1500, 0, counter, StreamOptions())
    qs = QueryStream("coding", stream, tuple(q.query for q in stream.questions[:3]))
    enc = shared_encoder()
    base = enc.encoded
    marks: list[int] = []  # texts encoded so far, after each ingest and after each query set
    measure(
        [qs],
        ["rag", "rag"],
        [256],
        "generated",
        counter,
        log=lambda _msg: marks.append(enc.encoded),
    )
    ingest1, queries1, ingest2 = marks[0] - base, marks[1] - marks[0], marks[2] - marks[1]
    # Both runs embedded every chunk themselves: the second paid as much as the first.
    assert ingest1 > 0 and ingest2 == ingest1 and queries1 > 0
