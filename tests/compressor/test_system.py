"""The `ssm` and `hybrid` systems on the shipped checkpoint: determinism, streaming == bulk,
exact budgets, bounded state, provenance, and checkpoints that never unpickle."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from ssmem import MemorySystem, make_system
from ssmem.bench import generate
from ssmem.compressor.checkpoint import default_checkpoint_dir, load_checkpoint
from ssmem.errors import InputError
from ssmem.systems.ssm import SSMMemory
from ssmem.tokens import default_counter


@pytest.fixture(scope="module")
def stream():
    return generate("meeting", "eval", 1_000_007, 3000)


def test_systems_implement_the_interface() -> None:
    for name in ("ssm", "hybrid", "ssm-norec", "ssm-noupdate", "ssm-untrained"):
        assert isinstance(make_system(name), MemorySystem)


def test_same_stream_same_memory(stream) -> None:
    a, b = SSMMemory(), SSMMemory()
    a.ingest(stream.events)
    b.ingest(stream.events)
    assert a.memory().to_json() == b.memory().to_json()
    q = stream.questions[0].query
    assert a.context(q, 300).render() == b.context(q, 300).render()


def test_streaming_equals_bulk(stream) -> None:
    bulk, streamed = SSMMemory(), SSMMemory()
    bulk.ingest(stream.events)
    for ev in stream.events:
        streamed.ingest([ev])
    assert bulk.memory().render(10_000) == streamed.memory().render(10_000)
    got = [d for d in (bulk.materializer.slots, streamed.materializer.slots)]
    assert sorted(got[0]) == sorted(got[1])


@pytest.mark.parametrize("budget", [0, 1, 16, 64, 512, 2048])
def test_budget_is_exact(stream, budget: int) -> None:
    counter = default_counter()
    for name in ("ssm", "hybrid"):
        mem = make_system(name)
        mem.ingest(stream.events)
        for q in stream.questions[:4]:
            ctx = mem.context(q.query, budget)
            assert ctx.tokens == counter.count(ctx.render()) <= budget


def test_memory_lines_carry_provenance(stream) -> None:
    mem = SSMMemory()
    mem.ingest(stream.events)
    by_seq = {e.seq: e for e in stream.events}
    for slot in mem.materializer.slots.values():
        assert by_seq[slot.current.seq].text == slot.current.text  # verbatim
        for v in slot.history:
            assert by_seq[v.seq].text == v.text
    ctx = mem.context(stream.questions[0].query, 512)
    mem_seg = next(s for s in ctx.segments if s.kind == "memory")
    for seq in mem_seg.seqs:
        assert f"#{seq}" in mem_seg.text


def test_no_llm_calls_and_state_is_bounded() -> None:
    small = SSMMemory()
    small.ingest(generate("incident", "eval", 1_000_003, 2000).events)
    big = SSMMemory()
    big.ingest(generate("incident", "eval", 1_000_003, 40_000).events)
    assert big.stats().llm_calls == 0
    # The recurrent state is fixed-size; slots are capped by max_slots.
    assert big.state.nbytes == small.state.nbytes
    assert len(big.materializer.slots) <= big.materializer.config.max_slots


def test_checkpoint_never_unpickles(tmp_path: Path) -> None:
    ckpt = tmp_path / "ckpt"
    shutil.copytree(default_checkpoint_dir(), ckpt)
    load_checkpoint(ckpt)  # the real one loads
    (ckpt / "model.safetensors").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(InputError, match="not a safetensors file"):
        load_checkpoint(ckpt)
    with pytest.raises(InputError, match="no compressor checkpoint"):
        load_checkpoint(tmp_path / "missing")


def test_hybrid_reports_what_retrieval_added(stream) -> None:
    mem = make_system("hybrid")
    mem.ingest(stream.events)
    quote_q = next(q for q in stream.questions if q.category == "exact_quote")
    ctx = mem.context(quote_q.query, 512)
    retrieved = ctx.of_kind("retrieved")
    assert retrieved and ctx.info.retrieval.rule == "relevance"
    assert ctx.info.retrieval.detail.endswith(f"{len(retrieved)} retrieved lines")
    assert 0 < ctx.info.retrieval.share < 1


def test_bench_ingest_reports_fixed_state(tmp_path: Path) -> None:
    import json

    from ssmem.cli.main import main

    out = tmp_path / "ingest.json"
    main(["bench-ingest", "--events", "60,240", "--streaming", "5", "--json", str(out)])
    result = json.loads(out.read_text())
    assert [r["events"] for r in result["rows"]] == [60, 240]
    assert result["summary"]["ssm_state_bytes_growth"] == 0.0
    assert result["streaming_events_per_s"] > 0


def test_read_settings_are_saved_with_the_checkpoint_and_shown(tmp_path: Path) -> None:
    from ssmem.compressor.checkpoint import read_config, save_checkpoint
    from ssmem.compressor.settings import ReadConfig

    net, mat_cfg, _ = load_checkpoint()
    custom = ReadConfig(window_share=0.4, constraint_share=0.5, memory_lead=1)
    save_checkpoint(tmp_path, net, mat_cfg, read=custom)
    mem = SSMMemory(checkpoint=tmp_path)
    assert mem.read_config == custom == read_config(load_checkpoint(tmp_path)[2])
    shown = mem.memory().to_dict()["settings"]
    assert shown["read"]["window_share"] == 0.4 and shown["write"] == mat_cfg.to_dict()
    meta = tmp_path / "config.json"
    # A checkpoint written before the hybrid's retrieval policy was retired still loads.
    old = meta.read_text().replace('"window_share"', '"retrieval_share": 0.35, "window_share"')
    meta.write_text(old)
    assert read_config(load_checkpoint(tmp_path)[2]) == custom
    meta.write_text(meta.read_text().replace('"window_share"', '"window_shares"'))
    with pytest.raises(InputError, match="bad checkpoint config"):
        load_checkpoint(tmp_path)


def test_an_update_in_an_earlier_lines_words_is_kept() -> None:
    """A chat states a value, then updates it twice in the same words with a new number:
    the memory must keep the latest (a checkpoint that learned "a line shaped like an earlier
    one is noise" drops it; see docs/results.md, training on real text)."""
    from ssmem import Event

    chatter = ["Should the invitations be paper or digital?", "Noted. Anything else?"]
    texts = ["We're expecting 25 guests at the party.", *chatter]
    texts += ["Update: we're now expecting 40 guests at the party, my sister is coming.", *chatter]
    texts += ["Update: we're now expecting 34 guests at the party, a few people declined."]
    texts += ["Which font looks vintage but readable?", "What music should play?"]
    mem = SSMMemory()
    mem.ingest(Event(i, t, source="user", kind="message") for i, t in enumerate(texts))
    held = {s.current.seq for s in mem.memory().slots}
    assert 6 in held  # the latest update is a slot's current value
    assert "34 guests" in mem.context("How many guests are coming?", 120).render()
