"""Plain text and chat transcripts: one event per line.

Plain: every non-blank line is an event (`kind="line"`), verbatim.
Chat: ``speaker: text`` turns (`kind="turn"`, `source=speaker`); a line without a speaker
continues the previous turn (multi-line messages), and the first non-blank line must have one.
"""

from __future__ import annotations

import re
from pathlib import Path

from ssmem.adapters.lines import DEFAULT_MAX_LINE_BYTES, read_lines
from ssmem.errors import InputError
from ssmem.events import Event

#: A speaker is a short name (no sentence punctuation) followed by ": ".
SPEAKER = re.compile(r"^\s*([A-Za-z0-9_][\w .'@()-]{0,39}?)\s*:\s+(.*)$")


def load_plain(
    path: str | Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES, kind: str = "line"
) -> list[Event]:
    events: list[Event] = []
    for lineno, text in read_lines(path, max_line_bytes):
        if text.strip():
            events.append(Event(seq=len(events), text=text, kind=kind, meta={"line": lineno}))
    return events


def load_chat(path: str | Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> list[Event]:
    turns: list[tuple[int, str, list[str]]] = []
    for lineno, text in read_lines(path, max_line_bytes):
        if not text.strip():
            continue
        m = SPEAKER.match(text)
        if m:
            turns.append((lineno, m.group(1).strip(), [m.group(2)]))
        elif turns:
            turns[-1][2].append(text.strip())
        else:
            raise InputError("expected 'speaker: text'", path=str(path), line=lineno)
    return [
        Event(seq=i, text="\n".join(parts), source=speaker, kind="turn", meta={"line": lineno})
        for i, (lineno, speaker, parts) in enumerate(turns)
    ]


def looks_like_chat(path: str | Path, sample: int = 50) -> bool:
    """True when the first non-blank line and >= 60% of the first `sample` start with a speaker."""
    seen = hits = 0
    for _, text in read_lines(path):
        if not text.strip():
            continue
        match = bool(SPEAKER.match(text))
        if seen == 0 and not match:
            return False
        seen += 1
        hits += match
        if seen >= sample:
            break
    return seen > 0 and hits >= 0.6 * seen
