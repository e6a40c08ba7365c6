"""LoCoMo conversations (snap-research/LoCoMo `locomo10.json`) as turn events.

Each turn becomes one event: `source` = speaker, `kind` = "turn", `ts` = its session's date,
`meta` = {"sample_id", "session", "dia_id"} so gold evidence ids map back to `seq`s.
Image-sharing turns keep their caption in `meta["blip_caption"]`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ssmem.adapters.lines import read_text
from ssmem.errors import InputError
from ssmem.events import Event

SESSION_KEY = re.compile(r"^session_(\d+)$")


def _session_ts(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").timestamp()
    except ValueError:
        return None


def conversation_events(sample: dict[str, Any], path: str, first_seq: int = 0) -> list[Event]:
    """Events of one LoCoMo sample, sessions in numeric order."""
    conv = sample.get("conversation")
    if not isinstance(conv, dict):
        raise InputError("missing or not an object", path=path, field="conversation")
    sample_id = str(sample.get("sample_id", ""))
    sessions = sorted((int(m.group(1)), key) for key in conv if (m := SESSION_KEY.match(key)))
    events: list[Event] = []
    for number, key in sessions:
        ts = _session_ts(conv.get(f"{key}_date_time"))
        for i, turn in enumerate(conv[key]):
            if not isinstance(turn, dict) or not isinstance(turn.get("text"), str):
                raise InputError(f"turn {i} has no text", path=path, field=f"{sample_id}.{key}")
            meta: dict[str, Any] = {
                "sample_id": sample_id,
                "session": number,
                "dia_id": turn.get("dia_id"),
            }
            if turn.get("blip_caption"):
                meta["blip_caption"] = turn["blip_caption"]
            events.append(
                Event(
                    seq=first_seq + len(events),
                    text=turn["text"],
                    ts=ts,
                    source=str(turn.get("speaker", "")),
                    kind="turn",
                    meta=meta,
                )
            )
    return events


def load_locomo_samples(path: str | Path) -> list[dict[str, Any]]:
    """The raw samples (conversation + qa), validated to be a LoCoMo file."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg}", path=str(path), line=err.lineno) from None
    if not isinstance(data, list) or not all(
        isinstance(s, dict) and "conversation" in s for s in data
    ):
        raise InputError(
            "not a LoCoMo file (expected a list of samples with 'conversation')", path=str(path)
        )
    return data


def load_locomo(path: str | Path, sample: int | str | None = None) -> list[Event]:
    """Events of one sample (by index or `sample_id`), or of all samples one after another."""
    samples = load_locomo_samples(path)
    if sample is not None:
        chosen = [
            s for i, s in enumerate(samples) if str(sample) in (str(i), str(s.get("sample_id")))
        ]
        if not chosen:
            raise InputError(f"no sample {sample!r} (there are {len(samples)})", path=str(path))
        samples = chosen
    events: list[Event] = []
    for s in samples:
        events.extend(conversation_events(s, str(path), first_seq=len(events)))
    return events
