"""bench-haystack measures a whole LongMemEval haystack's ingest per system, in a fresh process."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssmem.adapters.longmemeval import S_DEV
from ssmem.bench.haystack_ingest import HaystackBenchConfig, markdown, measure, run
from ssmem.errors import InputError


@pytest.fixture(autouse=True)
def needs_data(shared_data: Path) -> None:
    if not shared_data.joinpath(*S_DEV).is_file():
        pytest.skip("LongMemEval file not found")


@pytest.mark.slow
def test_one_haystack_in_a_fresh_process_with_the_encoder_timed() -> None:
    result = run(HaystackBenchConfig(systems=("window", "rag"), haystacks=(0,)), progress=False)
    window, rag = result["rows"]
    assert window["events"] == rag["events"] > 100 and window["tokens"] > 50_000
    assert window["texts_encoded"] == 0 and window["encoder_s"] == 0.0
    assert rag["texts_encoded"] > 100 and 0.5 < rag["encoder_share"] <= 1.0
    assert rag["vs_rag"] == 1.0 and window["vs_rag"] < 1.0
    assert rag["llm_calls_per_event"] == window["llm_calls_per_event"] == 0
    table = markdown(result)
    assert "| rag |" in table and "1.00×" in table and "load average" in table


def test_in_process_measure_of_a_system_without_an_encoder() -> None:
    row = measure("window", 1, 1)
    assert row["ingest_s"] > 0 and row["texts_encoded"] == 0 and row["tokens_per_s"] > 0


def test_unknown_system_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown system 'nope'"):
        run(HaystackBenchConfig(systems=("nope",), haystacks=(0,)), progress=False)
