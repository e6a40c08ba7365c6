"""Adapters on the real files in ../shared/data, and on every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssmem.adapters import detect_format, event_from_obj, load_events
from ssmem.errors import InputError


def test_locomo_keeps_dia_ids_in_order(shared_data: Path) -> None:
    events = load_events(shared_data / "locomo" / "locomo10.json")
    raw = json.loads((shared_data / "locomo" / "locomo10.json").read_text())
    first = raw[0]["conversation"]["session_1"][0]
    assert events[0].text == first["text"]
    assert events[0].source == first["speaker"]
    assert events[0].meta["dia_id"] == "D1:1"
    assert events[0].ts is not None
    total = sum(
        len(v)
        for s in raw
        for k, v in s["conversation"].items()
        if k.startswith("session_") and not k.endswith("date_time")
    )
    assert len(events) == total
    assert [e.seq for e in events] == list(range(len(events)))


def test_locomo_single_sample(shared_data: Path) -> None:
    path = shared_data / "locomo" / "locomo10.json"
    from ssmem.adapters.locomo import load_locomo

    conv = load_locomo(path, sample=1)
    assert {e.meta["sample_id"] for e in conv} == {json.loads(path.read_text())[1]["sample_id"]}
    with pytest.raises(InputError, match="no sample"):
        load_locomo(path, sample="nope")


def test_loghub_csv_and_raw_agree(shared_data: Path) -> None:
    csv_events = load_events(shared_data / "loghub" / "BGL" / "BGL_2k.log_structured.csv")
    raw_events = load_events(shared_data / "loghub" / "BGL" / "BGL_2k.log")
    assert len(csv_events) == len(raw_events) == 2000
    assert csv_events[0].kind == "log" and csv_events[0].ts == 1117838570.0
    assert csv_events[0].text in raw_events[0].text
    labels = {e.meta["Label"] for e in csv_events}
    assert "-" in labels and len(labels) > 1  # BGL has alert labels


@pytest.mark.parametrize("system", ["HDFS", "Linux", "Apache", "Android"])
def test_loghub_other_systems(shared_data: Path, system: str) -> None:
    folder = shared_data / "loghub" / system
    csv_file = next(folder.glob("*_structured.csv"))
    events = load_events(csv_file)
    assert len(events) == 2000
    import csv

    with csv_file.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [e.text for e in events] == [r["Content"] for r in rows]
    assert all("EventId" in e.meta and "Content" not in e.meta for e in events)


def test_swe_trajectory_steps(shared_data: Path) -> None:
    path = shared_data / "swe_agent_trajectories" / "pydicom__pydicom-1458.gpt4.traj"
    events = load_events(path)
    traj = json.loads(path.read_text())["trajectory"]
    assert events[0].kind == "task" and "ISSUE" in events[0].text
    assert "DEMONSTRATION" not in events[0].text
    kinds = [e.kind for e in events[1:4]]
    assert kinds == ["thought", "action", "observation"]
    assert events[2].text == traj[0]["action"].rstrip("\n")
    assert max(e.meta["step"] for e in events[1:]) == len(traj) - 1


def test_babi_text_is_plain(shared_data: Path) -> None:
    path = shared_data / "babi" / "en" / "qa1_single-supporting-fact_test.txt"
    assert detect_format(path) == "plain"
    events = load_events(path)
    assert events[0].text.startswith("1 ")


def test_jsonl_fields_and_defaults(tmp_path: Path) -> None:
    p = tmp_path / "s.jsonl"
    p.write_text(
        '{"text": "a"}\n\n{"text": "b", "seq": 5, "ts": "2024-01-01T00:00:00Z", "source": "x",'
        ' "kind": "turn", "meta": {"k": 1}, "extra": true}\n{"text": "c"}\n'
    )
    a, b, c = load_events(p)
    assert (a.seq, b.seq, c.seq) == (0, 5, 6)
    assert b.ts == 1704067200.0 and b.source == "x" and b.kind == "turn"
    assert b.meta == {"k": 1, "extra": True}


def test_chat_transcript_multiline(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("Ana: hello there\nBo: the budget is $5\nand it may change\n\nAna: ok\n")
    assert detect_format(p) == "chat"
    events = load_events(p)
    assert [e.source for e in events] == ["Ana", "Bo", "Ana"]
    assert events[1].text == "the budget is $5\nand it may change"


BAD_CASES = {
    "bad_json": (b'{"text": "ok"}\n{"text": oops}\n', "s.jsonl:2: invalid JSON"),
    "missing_text": (b'{"text": "ok"}\n{"seq": 3}\n', "s.jsonl:2: field 'text': missing"),
    "text_not_string": (b'{"text": 5}\n', "s.jsonl:1: field 'text': expected a string"),
    "non_utf8": (b'{"text": "ok"}\n{"text": "caf\xe9"}\n', "s.jsonl:2: not valid UTF-8"),
    "empty": (b"", "s.jsonl: empty stream"),
    "blank_only": (b"\n\n  \n", "s.jsonl: empty stream"),
    "seq_goes_back": (
        b'{"text": "a", "seq": 4}\n{"text": "b", "seq": 2}\n',
        "s.jsonl:2: field 'seq'",
    ),
    "not_object": (b"[1, 2]\n", "s.jsonl:1: expected a JSON object"),
    "bad_ts": (b'{"text": "a", "ts": "yesterday"}\n', "s.jsonl:1: field 'ts'"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_jsonl_is_one_clear_error(tmp_path: Path, case: str) -> None:
    data, expected = BAD_CASES[case]
    p = tmp_path / "s.jsonl"
    p.write_bytes(data)
    with pytest.raises(InputError) as info:
        load_events(p)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_huge_single_line_is_rejected_without_loading(tmp_path: Path) -> None:
    p = tmp_path / "big.jsonl"
    with p.open("wb") as fh:
        fh.write(b'{"text": "')
        fh.write(b"x" * (50 << 20))
        fh.write(b'"}\n')
    with pytest.raises(InputError, match=r"big.jsonl:1: line is longer than"):
        load_events(p)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_events(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        load_events(tmp_path)


def test_bad_csv_row(tmp_path: Path) -> None:
    p = tmp_path / "x_structured.csv"
    p.write_text("LineId,Content\n1,hello\n2,a,b\n")
    with pytest.raises(InputError, match=r"x_structured.csv:3: row has"):
        load_events(p)


def test_event_objects_are_plain_json_within_bounds():
    from ssmem.adapters.jsonl import MAX_META_DEPTH, MAX_SEQ

    ok = event_from_obj({"text": "x", "seq": MAX_SEQ, "meta": deep(MAX_META_DEPTH)}, 0, "p", 1)
    assert ok.seq == MAX_SEQ
    cases = [
        ({"text": "x", "seq": MAX_SEQ + 1}, "seq"),
        ({"text": "x", "meta": deep(MAX_META_DEPTH + 1)}, "meta"),
        ({"text": "x", "meta": {"a": [1.0, float("nan")]}}, "meta"),
        ({"text": "x", "score": float("-inf")}, "score"),
        ({"text": "x", "tags": [deep(MAX_META_DEPTH)]}, "tags"),  # an extra key nests one more
    ]
    for obj, field in cases:
        with pytest.raises(InputError) as err:
            event_from_obj(obj, 0, "p", 1)
        assert err.value.field == field, obj
    # The next assigned seq past the largest is refused too, naming the field.
    with pytest.raises(InputError) as err:
        event_from_obj({"text": "x"}, MAX_SEQ + 1, "p", 1)
    assert err.value.field == "seq"


def test_a_very_deep_meta_is_refused_without_exhausting_the_stack():
    with pytest.raises(InputError):
        event_from_obj({"text": "x", "meta": deep(50_000)}, 0, "p", 1)


def deep(depth: int) -> dict:
    """A dict nested `depth` levels (a level is one dict)."""
    out: dict = {}
    for _ in range(depth - 1):
        out = {"k": out}
    return out
