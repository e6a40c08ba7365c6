"""Loghub logs (logpai/loghub): structured CSV (`*_structured.csv`) and raw `.log` files.

CSV: one event per row; `text` = the `Content` column verbatim, `source` = `Component` (or
`Node`), `kind` = "log", `ts` from `Timestamp` when present, every other column in `meta`
(BGL's `Label` among them: "-" for normal lines, an alert tag otherwise).
Raw: one event per non-blank line, the whole line as `text`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ssmem.adapters.lines import DEFAULT_MAX_LINE_BYTES, read_text
from ssmem.adapters.plain import load_plain
from ssmem.errors import InputError
from ssmem.events import Event


def load_loghub_csv(path: str | Path) -> list[Event]:
    text = read_text(path)
    if not text.strip():
        raise InputError("empty stream (no events)", path=str(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or "Content" not in reader.fieldnames:
        raise InputError(
            "not a Loghub structured CSV (no 'Content' column)", path=str(path), line=1
        )
    events: list[Event] = []
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise InputError(
                f"row has {len(row) - (None in row)} columns, header has {len(reader.fieldnames)}",
                path=str(path),
                line=line,
            )
        ts: float | None = None
        if row.get("Timestamp"):
            try:
                ts = float(row["Timestamp"])
            except ValueError:
                raise InputError(
                    f"not a number: {row['Timestamp'][:30]!r}",
                    path=str(path),
                    line=line,
                    field="Timestamp",
                ) from None
        meta = {k: v for k, v in row.items() if k != "Content"}
        events.append(
            Event(
                seq=len(events),
                text=row["Content"],
                ts=ts,
                source=row.get("Component") or row.get("Node") or "",
                kind="log",
                meta=meta,
            )
        )
    return events


def load_loghub_raw(path: str | Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> list[Event]:
    return load_plain(path, max_line_bytes, kind="log")
