"""`rag-lme`: passages of long turns, session keys and time-aware ranking (real MiniLM)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ssmem.context import render_line
from ssmem.events import Event
from ssmem.systems.rag_lme import RAGLMEConfig, RAGLMEMemory

FILLER = [
    "Can you suggest a good stretching routine for after running?",
    "Sure: hamstrings, quads, calves, each held for thirty seconds, twice.",
    "What is the capital of Australia?",
    "Canberra is the capital of Australia.",
    "Give me three ideas for a vegetarian dinner.",
    "Lentil curry, stuffed peppers, or a mushroom risotto.",
]


def ts(y: int, m: int, d: int) -> float:
    return datetime(y, m, d, 10, tzinfo=UTC).timestamp()


def session(first_seq: int, sid: str, when: float, texts: list[str]) -> list[Event]:
    return [
        Event(
            seq=first_seq + i,
            text=t,
            source="user" if i % 2 == 0 else "assistant",
            ts=when,
            meta={"session_id": sid},
        )
        for i, t in enumerate(texts)
    ]


@pytest.mark.slow
def test_a_long_turn_is_retrieved_as_its_matching_passage() -> None:
    paragraphs = [
        f"Paragraph {i} of the travel guide covers museums, food markets and river walks "
        f"in district {i}, with opening hours and prices listed for each stop."
        for i in range(12)
    ]
    paragraphs[7] = "My sister's new apartment gate code is 7741 and she parks in bay 12."
    long_turn = " ".join(paragraphs)
    events = session(0, "s1", ts(2023, 5, 1), [*FILLER, long_turn, "Thanks!"])
    mem = RAGLMEMemory(config=RAGLMEConfig(passage_tokens=64))
    mem.ingest(events)
    ctx = mem.context("What is the gate code at my sister's apartment?", 120)
    assert ctx.tokens <= 120
    hits = [line for line in ctx.lines if "7741" in line.text]
    assert hits and hits[0].seqs == (6,)
    assert hits[0].cut == "part" and render_line(hits[0]).count("…") == 2
    assert len(hits[0].text) < len(long_turn) // 3  # not the whole guide


@pytest.mark.slow
def test_the_question_time_prefers_the_session_inside_its_window() -> None:
    early = session(0, "a", ts(2023, 3, 2), ["I went to a pottery class today.", "Fun!"])
    filler = session(2, "b", ts(2023, 4, 10), FILLER)
    late = session(8, "c", ts(2023, 6, 6), ["I went to a pottery class today.", "Nice!"])
    last = session(10, "d", ts(2023, 6, 20), FILLER)
    mem = RAGLMEMemory(config=RAGLMEConfig(window_share=0.0))
    mem.ingest([*early, *filler, *late, *last])
    ranked = mem.rank("What class did I take two weeks ago?")
    seqs = [mem._passages[p].seq for p in ranked]
    assert seqs.index(8) < seqs.index(0)
    ranked = mem.rank("What class did I take in March?")
    seqs = [mem._passages[p].seq for p in ranked]
    assert seqs.index(0) < seqs.index(8)


@pytest.mark.slow
def test_sessions_without_ids_split_on_time_gaps_and_budget_holds() -> None:
    events = [
        Event(seq=i, text=f"note {i}: the pump {i % 3} pressure is {100 + i} kPa", ts=1000.0 * i)
        for i in range(40)
    ]
    events += [Event(seq=40, text="pump 1 pressure is 999 kPa", ts=1e7)]
    mem = RAGLMEMemory(config=RAGLMEConfig(session_gap_s=5000))
    mem.ingest(events)
    assert len(mem._sessions) == 2
    for budget in (0, 16, 64, 300):
        ctx = mem.context("pump 1 pressure", budget)
        assert ctx.tokens <= budget
        assert len(ctx.seqs()) == len(set(ctx.seqs()))


@pytest.mark.slow
def test_exported_state_restores_a_system_that_answers_identically() -> None:
    first = [
        *session(0, "a", ts(2023, 3, 2), [*FILLER, "My locker code is 5521, don't forget it."]),
        *session(7, "b", ts(2023, 6, 1), FILLER[:4]),
    ]
    later = session(11, "b", ts(2023, 6, 1), ["Also my bike lock is 0907.", "Noted."])
    a = RAGLMEMemory(config=RAGLMEConfig(passage_tokens=16))
    a.ingest(first)
    b = RAGLMEMemory(config=RAGLMEConfig(passage_tokens=16))
    b.import_state(a.export_state())
    a.ingest(later)
    b.ingest(later)
    assert len(b._sessions) == len(a._sessions) == 2  # the restored one continued session b
    for q in ("What is my locker code?", "bike lock", "capital two weeks ago", ""):
        for budget in (0, 40, 200):
            assert a.context(q, budget).render() == b.context(q, budget).render()
    with pytest.raises(ValueError, match="fresh system"):
        b.import_state(a.export_state())
    with pytest.raises(ValueError, match="other settings"):
        RAGLMEMemory(config=RAGLMEConfig(passage_tokens=8)).import_state(a.export_state())


@pytest.mark.slow
def test_event_values_show_the_whole_event_when_it_fits_else_the_passage() -> None:
    long_turn = " ".join(
        f"Step {i}: sand the window frame, prime it and wait a day before the next coat."
        for i in range(10)
    ).replace("Step 4: sand", "Step 4: the paint colour is Harbor Fog 2041, then sand")
    events = session(0, "s", ts(2023, 5, 1), [*FILLER, long_turn])
    mem = RAGLMEMemory(config=RAGLMEConfig(passage_tokens=40, value="event", window_share=0.0))
    mem.ingest(events)
    q = "Which paint colour did I pick?"
    roomy = [x for x in mem.context(q, 1000).lines if x.seq == 6]
    assert len(roomy) == 1 and roomy[0].cut is None and roomy[0].text == long_turn
    tight = [x for x in mem.context(q, 60).lines if x.seq == 6]
    assert len(tight) == 1 and tight[0].cut is not None and "2041" in tight[0].text
