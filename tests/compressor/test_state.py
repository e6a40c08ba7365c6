"""Memory states for snapshots: `ssmem.statefile` and the `ssm`, `rag` and `hybrid` systems'
`export_state`/`import_state` (the `SnapshotableMemory` contract: a fresh system that imports
a state is indistinguishable from the one that exported it, for every later call)."""

from __future__ import annotations

import dataclasses
import json
import struct

import numpy as np
import pytest

from ssmem import statefile
from ssmem.bench.generators import generate
from ssmem.compressor.checkpoint import load_checkpoint
from ssmem.compressor.policy import SupersedePolicy
from ssmem.events import Event
from ssmem.systems import make_system
from ssmem.systems.snapshot import supports_snapshots
from ssmem.systems.ssm import SSMMemory, SSMSystemConfig


# -- the byte format --------------------------------------------------------------------------
def test_statefile_round_trips_meta_and_arrays_exactly_and_deterministically():
    arrays = {
        "f": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        "i": np.array([-1, 2**40], dtype=np.int64),
        "empty": np.zeros((0, 5), dtype=np.float32),
        "bytes": np.frombuffer(b"\x00\xffabc", dtype=np.uint8),
    }
    meta = {"name": "x", "nested": {"list": [1, 2.5, None, "ü"]}}
    data = statefile.pack("test/1", meta, arrays)
    assert data == statefile.pack("test/1", meta, dict(reversed(arrays.items())))
    got_meta, got = statefile.unpack(data, "test/1")
    assert got_meta == meta and got.keys() == arrays.keys()
    for name, arr in arrays.items():
        assert got[name].dtype == arr.dtype and np.array_equal(got[name], arr)
    got["f"][0, 0] = 99.0  # a copy, not a view into the input
    assert statefile.unpack(data, "test/1")[1]["f"][0, 0] == 0.0


def _header(data: bytes) -> dict:
    (n,) = struct.unpack("<Q", data[8:16])
    return json.loads(data[16 : 16 + n])


def _with_header(data: bytes, header: dict) -> bytes:
    (n,) = struct.unpack("<Q", data[8:16])
    raw = json.dumps(header).encode()
    return data[:8] + struct.pack("<Q", len(raw)) + raw + data[16 + n :]


def test_statefile_refuses_bytes_it_did_not_write_with_a_one_line_error():
    good = statefile.pack("test/1", {}, {"a": np.ones(4, dtype=np.float32)})
    h = _header(good)
    bad = {
        "magic": b"PICKLE!!" + good[8:],
        "truncated header": good[:20],
        "truncated data": good[:-4],
        "another kind": _with_header(good, {**h, "kind": "other/1"}),
        "object dtype": _with_header(good, {**h, "arrays": {"a": ["|O", [4], 0, 16]}}),
        "outside": _with_header(good, {**h, "arrays": {"a": ["<f4", [4], 8, 16]}}),
        "shape": _with_header(good, {**h, "arrays": {"a": ["<f4", [5], 0, 16]}}),
        "negative": _with_header(good, {**h, "arrays": {"a": ["<f4", [-4], 0, 16]}}),
        "not json": good[:16] + b"{" * (len(good) - 16),
    }
    for why, data in bad.items():
        with pytest.raises(ValueError) as err:
            statefile.unpack(data, "test/1")
        assert "\n" not in str(err.value), why
    with pytest.raises(ValueError, match="dtype"):
        statefile.pack("test/1", {}, {"o": np.array([object()], dtype=object)})
    with pytest.raises(ValueError):
        statefile.pack("test/1", {"x": float("nan")}, {})


# -- the systems ------------------------------------------------------------------------------
def _stream() -> tuple[list[Event], list[str]]:
    """A generated household chat with, appended as turns like the rest of the chat, what
    exercises every slot field: a flood of one statement, and a value updated by another
    source."""
    st = generate("household", "eval", 1_000_003, 6000)
    events = list(st.events)
    extra = [("mallory", "The gate code is 9999 from now on, everyone.")] * 6
    extra += [("alice", "Rule: never share the gate code with delivery drivers.")]
    extra += [("bob", "Update on the gate code: it is now 4719 again.")]
    for source, text in extra:
        events.append(Event(len(events), text, source=source, ts=float(len(events)), kind="turn"))
    return events, [q.query for q in st.questions[:12]] + ["What is the gate code?", ""]


@pytest.mark.parametrize("name", ["ssm", "rag", "hybrid", "ssm-norec"])
def test_imported_state_is_indistinguishable_for_every_later_call(name):
    events, queries = _stream()
    half = len(events) // 2
    a = make_system(name)
    assert supports_snapshots(a)
    a.ingest(events[:half])
    b = make_system(name)
    b.import_state(a.export_state())
    assert b.export_state() == a.export_state()  # nothing lost or added on the way
    assert b.stats() == a.stats()
    for system in (a, b):  # in two calls, so the import is followed by more writes
        system.ingest(events[half:-5])
        system.ingest(events[-5:])
    assert a.export_state() == b.export_state()
    for q in queries:
        for budget in (64, 512):
            assert a.context(q, budget).render() == b.context(q, budget).render(), (q, budget)


def test_every_slot_field_survives_the_state():
    events, _ = _stream()
    net = load_checkpoint()[0]  # with the default thresholds: learned overwrites switched on
    a = SSMMemory(net=net)
    a.ingest(events)
    b = SSMMemory(net=net)
    b.import_state(a.export_state())
    assert list(b.materializer.slots) == list(a.materializer.slots)
    slots = a.materializer.slots.values()
    assert any(s.history for s in slots) and any(s.copies > 1 for s in slots)
    for sid, slot in a.materializer.slots.items():
        other = b.materializer.slots[sid]
        for f in dataclasses.fields(slot):
            if f.name.startswith("_"):
                continue  # caches, rebuilt from the text
            x, y = getattr(slot, f.name), getattr(other, f.name)
            same = np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
            assert same and type(x) is type(y), (sid, f.name)
    assert b.materializer.dropped == a.materializer.dropped
    assert b.materializer._by_word == a.materializer._by_word


def test_a_state_is_refused_by_a_system_it_does_not_fit():
    events, _ = _stream()
    a = SSMMemory()
    a.ingest(events[:50])
    state = a.export_state()
    untrained = make_system("ssm-untrained")
    misfits = {
        "other weights": untrained,
        "other policy": SSMMemory(config=SSMSystemConfig(supersede=SupersedePolicy("same_source"))),
        "other window": SSMMemory(config=SSMSystemConfig(recent_events=8)),
        "not fresh": a,
    }
    for why, system in misfits.items():
        with pytest.raises(ValueError):
            system.import_state(state)
        print(why, "refused")
    with pytest.raises(ValueError):
        SSMMemory().import_state(make_system("rag").export_state())  # another kind
    with pytest.raises(ValueError):
        SSMMemory().import_state(state[: len(state) // 2])
    with pytest.raises(ValueError):
        make_system("hybrid").import_state(state)
