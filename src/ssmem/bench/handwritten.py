"""Hand-written evaluation streams: text that no benchmark generator produced.

Each stream is two files shipped in the package under ``ssmem/data/handwritten/``:
``<name>.jsonl`` (one event per line: ``seq``, ``source``, ``kind``, ``text``; seqs are
0..N-1 in order) and ``<name>.questions.json`` (a list of `Question` dicts). They test
whether a memory system, and above all a trained compressor, generalises beyond the
generator families (meetings, coding sessions, agents, incidents).

These streams are eval-only: `load_handwritten` returns ``split="eval"`` and no per-event
labels, and nothing may train or calibrate on them.

- ``labnotebook``: five weeks of a protein-biochemistry lab notebook and lab chat (expression
  and purification of an enzyme, its catalytic-dead mutant, freezers, reagent lots, a plate
  reader, an MS core facility), with updated values, lab rules, open tasks, two causes found
  weeks after the reagent change behind them, and instrument messages worth quoting.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ssmem.bench.types import Question, Stream
from ssmem.errors import InputError
from ssmem.events import Event

HANDWRITTEN = ("labnotebook",)
FAMILY = "handwritten"


def _read(filename: str) -> tuple[str, str]:
    res = resources.files("ssmem") / "data" / "handwritten" / filename
    path = f"ssmem/data/handwritten/{filename}"
    if not res.is_file():
        raise InputError("missing packaged file", path=path)
    return path, res.read_text(encoding="utf-8")


def parse_events(path: str, text: str) -> list[Event]:
    """Events from a hand-written stream's JSONL `text` (`path` names it in errors); seqs
    must run 0..N-1 in order. Raises `InputError` on the first bad line."""
    events: list[Event] = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"not JSON ({err.msg})", path=path, line=line_no) from None
        for key in ("seq", "source", "kind", "text"):
            if key not in row:
                raise InputError("missing", path=path, line=line_no, field=key)
        if row["seq"] != len(events):
            raise InputError(
                f"expected {len(events)}, got {row['seq']!r}", path=path, line=line_no, field="seq"
            )
        try:
            events.append(
                Event(seq=row["seq"], text=row["text"], source=row["source"], kind=row["kind"])
            )
        except ValueError as err:
            raise InputError(str(err), path=path, line=line_no) from None
    return events


def parse_questions(path: str, text: str, n_events: int) -> list[Question]:
    """`Question`s from a questions file's JSON `text`, each asked within the `n_events`
    events and citing evidence no later than it is asked. Raises `InputError`."""
    try:
        rows: list[dict[str, Any]] = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"not JSON ({err.msg})", path=path, line=err.lineno) from None
    out = []
    for i, row in enumerate(rows):
        where = f"question {i}"
        try:
            q = Question(
                at_seq=int(row["at_seq"]),
                query=str(row["query"]),
                answers=tuple(row["answers"]),
                stale=tuple(row["stale"]),
                evidence=tuple(int(s) for s in row["evidence"]),
                category=str(row["category"]),
            )
        except KeyError as err:
            raise InputError(f"{where}: missing", path=path, field=str(err.args[0])) from None
        except (TypeError, ValueError) as err:
            raise InputError(f"{where}: {err}", path=path) from None
        if not 0 <= q.at_seq < n_events:
            raise InputError(f"{where}: at_seq {q.at_seq} is not in the stream", path=path)
        if any(not 0 <= s <= q.at_seq for s in q.evidence):
            raise InputError(f"{where}: evidence after at_seq or outside the stream", path=path)
        out.append(q)
    return out


def load_handwritten(name: str | None = None) -> Stream:
    """The hand-written stream `name` (default: the first of `HANDWRITTEN`), eval split only.

    Raises `InputError` for an unknown name or a malformed packaged file.
    """
    name = HANDWRITTEN[0] if name is None else name
    if name not in HANDWRITTEN:
        raise InputError(
            f"unknown hand-written stream {name!r} (available: {', '.join(HANDWRITTEN)})"
        )
    events = parse_events(*_read(f"{name}.jsonl"))
    questions = parse_questions(*_read(f"{name}.questions.json"), len(events))
    return Stream(
        family=FAMILY,
        split="eval",
        seed=0,
        events=events,
        questions=questions,
        labels={},
        info={"handwritten": name},
    )
