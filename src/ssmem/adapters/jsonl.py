"""JSONL streams: one JSON object per line; only `text` is required.

Optional fields: `seq` (int, strictly increasing), `ts` (number, or ISO-8601 string),
`source`, `kind`, `meta` (object). Any other key is kept in `meta`. Blank lines are skipped;
every other line becomes exactly one event or an error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ssmem.adapters.lines import DEFAULT_MAX_LINE_BYTES, read_lines
from ssmem.errors import InputError
from ssmem.events import Event

KNOWN = {"seq", "ts", "source", "kind", "text", "meta"}
# The largest seq accepted: every JSON reader (JavaScript's numbers included) holds it
# exactly, and every store's 64-bit integer holds it and the seqs assigned after it.
MAX_SEQ = 2**53 - 1
MAX_META_DEPTH = 32  # nesting levels of `meta` (and of other extra keys)


def check_json_data(value: Any, path: str, line: int, field: str) -> None:
    """`value` is plain JSON data: nested at most `MAX_META_DEPTH` levels, and no NaN or
    Infinity (JSON has neither; stored, they would come back as something else). Iterative,
    so no input can exhaust the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise InputError(
                "NaN and Infinity are not JSON numbers", path=path, line=line, field=field
            )
        if isinstance(item, dict | list):
            if depth > MAX_META_DEPTH:
                raise InputError(
                    f"nested deeper than {MAX_META_DEPTH} levels", path=path, line=line, field=field
                )
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def parse_ts(value: Any, path: str, line: int) -> float | None:
    """Accept epoch seconds (int/float) or an ISO-8601 string; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError("expected a number or ISO-8601 string", path=path, line=line, field="ts")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise InputError("must be finite", path=path, line=line, field="ts")
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise InputError(
                f"not an ISO-8601 time: {value[:40]!r}", path=path, line=line, field="ts"
            ) from None
    raise InputError("expected a number or ISO-8601 string", path=path, line=line, field="ts")


def _string(obj: dict[str, Any], key: str, path: str, line: int, default: str) -> str:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InputError(
            f"expected a string, got {type(value).__name__}", path=path, line=line, field=key
        )
    return value


def event_from_obj(obj: Any, seq_default: int, path: str, line: int) -> Event:
    """Validate one decoded JSON value into an Event (used by JSONL and the HTTP API)."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=line)
    if "text" not in obj:
        raise InputError("missing (every event needs text)", path=path, line=line, field="text")
    text = obj["text"]
    if not isinstance(text, str):
        raise InputError(
            f"expected a string, got {type(text).__name__}", path=path, line=line, field="text"
        )
    seq = obj.get("seq", seq_default)
    if seq is None:
        seq = seq_default
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise InputError(
            f"expected a non-negative integer, got {seq!r}", path=path, line=line, field="seq"
        )
    if seq > MAX_SEQ:
        raise InputError(
            f"{seq} is above the largest seq, {MAX_SEQ}", path=path, line=line, field="seq"
        )
    meta = obj.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(
            f"expected an object, got {type(meta).__name__}", path=path, line=line, field="meta"
        )
    extra = {k: v for k, v in obj.items() if k not in KNOWN}
    check_json_data(meta, path, line, "meta")
    for key, value in extra.items():
        check_json_data(value, path, line, key)
    return Event(
        seq=seq,
        text=text,
        ts=parse_ts(obj.get("ts"), path, line),
        source=_string(obj, "source", path, line, ""),
        kind=_string(obj, "kind", path, line, "event"),
        meta={**meta, **extra},
    )


def iter_jsonl(path: str | Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Event]:
    """Yield events from a JSONL file; raise `InputError` at the first bad line."""
    p = str(path)
    last: int | None = None
    for lineno, text in read_lines(path, max_line_bytes):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(
                f"invalid JSON: {err.msg} (column {err.colno})", path=p, line=lineno
            ) from None
        event = event_from_obj(obj, 0 if last is None else last + 1, p, lineno)
        if last is not None and event.seq <= last:
            raise InputError(
                f"seq {event.seq} does not increase (previous was {last})",
                path=p,
                line=lineno,
                field="seq",
            )
        last = event.seq
        yield event


def load_jsonl(path: str | Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> list[Event]:
    return list(iter_jsonl(Path(path), max_line_bytes))
