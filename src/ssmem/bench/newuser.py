"""The `newuser` family: hand-written chats in a new user's own domains (issue 17).

Four streams under ``tests/data/newuser/`` in a source checkout (not shipped in the wheel):
a kitchen renovation with a contractor, a bakery's orders chat, a group trip, and a vet
clinic thread, with never-stated questions among the rest. Same file format and loader as
`ssmem.bench.handwritten`; eval only: nothing may train or calibrate on them.
"""

from __future__ import annotations

from pathlib import Path

from ssmem.bench.handwritten import parse_events, parse_questions
from ssmem.bench.types import Stream
from ssmem.errors import InputError

NEWUSER = ("renovation", "bakery", "trip", "vet")
FAMILY = "newuser"


def data_dir() -> Path:
    """``tests/data/newuser`` of the checkout this module runs from."""
    return Path(__file__).resolve().parents[3] / "tests" / "data" / "newuser"


def _read(root: Path, filename: str) -> tuple[str, str]:
    path = root / filename
    if not path.is_file():
        raise InputError(
            "the newuser streams live in a source checkout (tests/data/newuser/), "
            "not in the installed package",
            path=str(path),
        )
    return str(path), path.read_text(encoding="utf-8")


def load_newuser(name: str, root: Path | None = None) -> Stream:
    """The stream `name` (one of `NEWUSER`) from `root` (default: the checkout's folder),
    eval split, no labels. Raises `InputError` for an unknown name, a missing checkout or a
    malformed file."""
    if name not in NEWUSER:
        raise InputError(f"unknown newuser stream {name!r} (available: {', '.join(NEWUSER)})")
    folder = root or data_dir()
    events = parse_events(*_read(folder, f"{name}.jsonl"))
    questions = parse_questions(*_read(folder, f"{name}.questions.json"), len(events))
    return Stream(
        family=FAMILY,
        split="eval",
        seed=NEWUSER.index(name),
        events=events,
        questions=questions,
        labels={},
        info={"newuser": name},
    )
