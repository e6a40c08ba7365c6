"""SWE-agent trajectories (`*.traj`): the task, then thought / action / observation per step.

The task is the last user message before the agent's first reply (earlier user messages are
demonstrations). Each trajectory step yields up to three events, `source` "agent" for thought
and action, "env" for the observation; `meta["step"]` is the step index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ssmem.adapters.lines import read_text
from ssmem.errors import InputError
from ssmem.events import Event


def _task(history: list[Any]) -> str | None:
    task = None
    for msg in history:
        if not isinstance(msg, dict):
            continue
        if msg.get("role") == "assistant":
            break
        if msg.get("role") == "user" and isinstance(msg.get("content"), str):
            task = msg["content"]
    return task


def load_swe_traj(path: str | Path) -> list[Event]:
    p = str(path)
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg}", path=p, line=err.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("trajectory"), list):
        raise InputError("not a SWE-agent trajectory (no 'trajectory' list)", path=p)
    events: list[Event] = []
    task = _task(data.get("history") or [])
    if task:
        events.append(Event(seq=0, text=task, source="user", kind="task"))
    for i, step in enumerate(data["trajectory"]):
        if not isinstance(step, dict):
            raise InputError(f"step {i} is not an object", path=p, field="trajectory")
        for kind, source in (("thought", "agent"), ("action", "agent"), ("observation", "env")):
            value = step.get(kind)
            if value is None:
                continue
            if not isinstance(value, str):
                raise InputError(f"step {i}: expected a string", path=p, field=kind)
            if value.strip():
                events.append(
                    Event(
                        seq=len(events),
                        text=value.rstrip("\n"),
                        source=source,
                        kind=kind,
                        meta={"step": i},
                    )
                )
    return events
