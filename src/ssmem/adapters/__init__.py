"""Adapters read real stream formats into `Event`s; `load_events` picks one by file name.

Formats: jsonl, plain, chat, locomo, loghub-csv, loghub-log, swe-traj. Every adapter raises
`InputError` (file, line, field) on bad input and never drops an event silently; an empty
stream is an error too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ssmem.adapters.jsonl import event_from_obj, load_jsonl
from ssmem.adapters.lines import DEFAULT_MAX_LINE_BYTES
from ssmem.adapters.locomo import load_locomo
from ssmem.adapters.loghub import load_loghub_csv, load_loghub_raw
from ssmem.adapters.plain import load_chat, load_plain, looks_like_chat
from ssmem.adapters.swe import load_swe_traj
from ssmem.errors import InputError
from ssmem.events import Event

LOADERS: dict[str, Callable[[Path], list[Event]]] = {
    "jsonl": load_jsonl,
    "plain": load_plain,
    "chat": load_chat,
    "locomo": load_locomo,
    "loghub-csv": load_loghub_csv,
    "loghub-log": load_loghub_raw,
    "swe-traj": load_swe_traj,
}
FORMATS = tuple(LOADERS)


def detect_format(path: str | Path) -> str:
    """Guess the format from the file name (and, for .txt and .json, a peek at the content)."""
    p = Path(path)
    name = p.name.lower()
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".traj"):
        return "swe-traj"
    if name.endswith(".csv"):
        return "loghub-csv"
    if name.endswith(".log"):
        return "loghub-log"
    if name.endswith(".json"):
        return "locomo"
    if p.is_file() and p.stat().st_size > 0 and looks_like_chat(p):
        return "chat"
    return "plain"


def load_events(path: str | Path, fmt: str | None = None) -> list[Event]:
    """Load a whole stream. Raises `InputError` for unknown formats, bad input, or no events."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path=str(path))
    if p.is_dir():
        raise InputError("is a directory, expected a stream file", path=str(path))
    fmt = fmt or detect_format(p)
    if fmt not in LOADERS:
        raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", path=str(path))
    events = LOADERS[fmt](p)
    if not events:
        raise InputError("empty stream (no events)", path=str(path))
    return events


__all__ = ["DEFAULT_MAX_LINE_BYTES", "FORMATS", "detect_format", "event_from_obj", "load_events"]
