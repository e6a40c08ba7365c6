"""RAG and full-context baselines, and the shared MiniLM encoder (real model, loaded once)."""

from __future__ import annotations

import numpy as np
import pytest

from ssmem.bench import generate
from ssmem.bench.generators import EVAL_SEED_BASE
from ssmem.encoders import shared_encoder
from ssmem.events import Event
from ssmem.systems import make_system
from ssmem.systems.full import FullContextMemory
from ssmem.systems.rag import RAGConfig, RAGMemory


@pytest.fixture(scope="module")
def encoder():
    return shared_encoder()


def haystack(n: int) -> list[Event]:
    words = ["alpha", "bravo", "delta", "echo", "golf", "hotel", "india", "kilo"]
    return [
        Event(seq=i, text=f"routine sync {words[i % 8]} batch {i} finished normally", source="cron")
        for i in range(n)
    ]


@pytest.mark.slow
def test_encoder_vectors_are_unit_norm_and_cached(encoder):
    vecs = encoder.encode(["the budget is $7,200", "the budget is $7,200", "heartbeat ok"])
    assert vecs.shape == (3, encoder.dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vecs[0], vecs[1])
    before = encoder.encoded
    again = encoder.encode(["heartbeat ok"])
    assert encoder.encoded == before and np.array_equal(again[0], vecs[2])
    near = encoder.encode(["how much money is budgeted?"])[0]
    assert near @ vecs[0] > near @ vecs[2]


@pytest.mark.slow
def test_rag_finds_the_needle_within_budget_and_in_stream_order(encoder):
    mem = RAGMemory(encoder=encoder)
    events = haystack(400)
    events[37] = Event(seq=37, text="The vault combination for Kestrel is 4417-ZETA.", source="Ana")
    mem.ingest(events[:200])
    mem.context("warm-up query", 128)  # closes chunks; later events must still be indexed
    mem.ingest(events[200:])
    late = Event(seq=400, text="Kestrel's backup courier is Tobias Wren.", source="Ana")
    mem.ingest([late])
    for budget in (64, 128, 512):
        ctx = mem.context("What is the vault combination for Kestrel?", budget)
        assert ctx.tokens <= budget
        assert "4417-ZETA" in ctx.render() and 37 in ctx.seqs()
        firsts = [s.seqs[0] for s in ctx.segments if s.kind == "retrieved"]
        assert firsts == sorted(firsts)
    assert 400 in mem.context("Who is the backup courier for Kestrel?", 96).seqs()
    assert mem.stats().events == 401 and mem.stats().state_bytes > 0


def test_bm25_only_rag_respects_tiny_budgets_and_skips_window_duplicates():
    mem = RAGMemory(config=RAGConfig(dense=False, window_share=0.5))
    mem.ingest(haystack(60))
    for budget in (0, 1, 5, 30, 200):
        ctx = mem.context("batch 7 kilo", budget)
        assert ctx.tokens <= budget
        seqs = [q for s in ctx.segments for q in s.seqs]
        assert len(seqs) == len(set(seqs))  # no event twice
    assert 7 in mem.context("sync batch 7 finished", 200).seqs()


def test_full_context_is_everything_when_it_fits_else_the_newest():
    s = generate("meeting", "eval", EVAL_SEED_BASE, 1200)
    full = FullContextMemory()
    full.ingest(s.events)
    whole = full.context("q", 10_000)
    assert whole.seqs() == {e.seq for e in s.events} and whole.info.truncated is False
    cut = full.context("q", 200)
    assert cut.tokens <= 200 and cut.info.truncated is True
    assert s.events[-1].seq in cut.seqs() and s.events[0].seq not in cut.seqs()
    assert make_system("full").name == "full" and make_system("rag").name == "rag"


def test_event_text_is_the_text_without_its_label_for_closed_and_open_chunks():
    rag = RAGMemory(config=RAGConfig(dense=False, chunk_events=4))
    events = haystack(10)
    events.append(Event(seq=10, text="Owner: Dara Quist, as agreed.", source=""))
    events.append(Event(seq=11, text="line one\nline two", source="ana"))
    rag.ingest(events)  # chunks 0-3, 4-7 closed; 8-11 still open
    assert rag.event_text(2) == events[2].text
    assert rag.event_text(9) == events[9].text
    assert rag.event_text(10) == "Owner: Dara Quist, as agreed."  # no source: no label cut
    assert rag.event_text(11) == "line one\nline two"
    assert rag.event_text(12) is None and rag.event_text(-1) is None
    rag.context("anything", 64)  # closes the open chunk
    assert rag.event_text(9) == events[9].text
