"""LongMemEval items (Wu et al., ICLR 2025; `longmemeval_s_dev.json.gz`) as turn events:
one event per haystack turn, in file order (fields: `haystack_events`); items cached.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ssmem.errors import InputError
from ssmem.events import Event

S_DEV = ("longmemeval", "longmemeval_s_dev.json.gz")
DATE_FORMAT = "%Y/%m/%d (%a) %H:%M"  # e.g. "2023/05/20 (Sat) 02:21"


def parse_date(text: str | None) -> float | None:
    """A LongMemEval date as epoch seconds, read as UTC so the value does not depend on the
    machine's time zone; None when absent or unparseable."""
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), DATE_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def question_ts(item: dict[str, Any]) -> float | None:
    """When the question is asked (`question_date`), as epoch seconds (UTC)."""
    return parse_date(item.get("question_date"))


def haystack_events(item: dict[str, Any], first_seq: int = 0) -> list[Event]:
    """Events of one item's haystack, sessions and turns in file order (seq from `first_seq`).

    source: the turn's role ("user" / "assistant"); kind: "turn"; ts: the session's date
    (the same for all its turns; haystack dates are not always sorted, so ts may go back);
    meta: {"session_id", "session": index in the haystack, "turn": index in the session,
    "has_answer": bool} with `has_answer` always present (False when the file omits it).
    Turns with empty content are kept (a few exist), never dropped.
    """
    qid = str(item.get("question_id", ""))
    sessions = item.get("haystack_sessions")
    ids = item.get("haystack_session_ids") or []
    dates = item.get("haystack_dates") or []
    if not isinstance(sessions, list):
        raise InputError("missing or not a list", field=f"{qid}.haystack_sessions")
    events: list[Event] = []
    for s, session in enumerate(sessions):
        ts = parse_date(dates[s]) if s < len(dates) else None
        session_id = str(ids[s]) if s < len(ids) else str(s)
        for t, turn in enumerate(session):
            if not isinstance(turn, dict) or not isinstance(turn.get("content"), str):
                raise InputError(f"turn {t} has no content", field=f"{qid}.session {s}")
            events.append(
                Event(
                    seq=first_seq + len(events),
                    text=turn["content"],
                    ts=ts,
                    source=str(turn.get("role", "")),
                    kind="turn",
                    meta={
                        "session_id": session_id,
                        "session": s,
                        "turn": t,
                        "has_answer": bool(turn.get("has_answer")),
                    },
                )
            )
    return events


def read_items(path: str | Path) -> list[dict[str, Any]]:
    """The raw items of a (gzipped or plain) LongMemEval JSON file, checked to be one."""
    p = Path(path)
    try:
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        data = json.loads(raw)
    except (OSError, EOFError) as err:
        raise InputError(f"cannot read: {err}", path=str(p)) from None
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg}", path=str(p), line=err.lineno) from None
    if not isinstance(data, list) or not all(
        isinstance(x, dict) and "haystack_sessions" in x and "question" in x for x in data
    ):
        raise InputError(
            "not a LongMemEval file (expected a list of items with 'haystack_sessions')",
            path=str(p),
        )
    return data


@lru_cache(maxsize=4)
def _cached_items(path: str) -> tuple[dict[str, Any], ...]:
    return tuple(read_items(path))


def load_items(path: str | Path) -> tuple[dict[str, Any], ...]:
    """Items of a LongMemEval file, parsed once per process; treat as read-only. (The
    benchmark finds the shared dev half: `ssmem.bench.longmemeval.dev_items`.)"""
    return _cached_items(str(Path(path).resolve()))
