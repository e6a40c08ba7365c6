"""Screening: events written to steer the reader, withheld from every prompt.

Event text is data (`render.quote` makes sure nothing in it renders as the memory's own
syntax). Some events are not trying to say something to the people in the stream but to
instruct whoever reads the memory, or to pass for the memory's own records. A small reader
follows such text even when it is quoted, so the renderer does not show it: the event's
line keeps its tag and source and says why its text was withheld; the event log keeps the
text, unchanged, for anyone who asks for it (`GET /events`, `ssmem memory --json` of the
raw stream). The compressor never makes a memory slot of such an event.

`screen(text, source)` is the one test. It names the first rule that matches:
- `instructions`: text addressed to the assistant/AI/model as instructions -- "ignore all
  previous instructions", "note to the AI: ...", an "Assistant:"/"System:" prefix, "you are
  now ...", "do not mention ..." next to a mention of the assistant;
- `format`: text that imitates the memory's own records -- a provenance tag (`[#12]`) or one
  of the renderer's notes ("(superseded by #3)", "(supersedes #", ...);
- `source`: a source that imitates the format -- a square bracket, a line break, or one of
  the renderer's notes (sources such as `#general`, `slack:ops` or `assistant` are
  ordinary).
Plain speech about assistants ("the assistant said the build passed"), issue numbers
("PR #123", "[#123](url)" is caught: it reads as a tag) and ordinary updates are not
screened; false positives on real streams are measured by `ssmem bench --families
injection` and reported in the README.
"""

from __future__ import annotations

import re
from functools import lru_cache

REASONS = {
    "instructions": "written as instructions to the assistant",
    "format": "imitates the memory's own records",
    "source": "its source imitates the memory's format",
}
_AI = r"(?:ai|a\.i\.|assistant|chat\s*bot|bot|llm|language\s+model|model|copilot|gpt)"
_INSTRUCTIONS = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|every\s+)*"
    r"(?:previous|prior|above|earlier|other|existing|system)\s+"
    r"(?:instructions?|notes?|messages?|context|rules?|prompts?|records?)"
    rf"|\b(?:notice|note|message|instructions?|reminder|memo)\s+(?:to|for)\s+(?:the\s+|any\s+)?{_AI}\b"
    rf"|^\W*(?:system|assistant|{_AI})\s*(?:override|note|instruction)?\s*:"
    r"|\byou\s+are\s+now\b"
    r"|\bsystem\s+prompt\b",
    re.IGNORECASE,
)
_ADDRESSED = re.compile(rf"\b(?:dear\s+|hey\s+|attention\s+)?(?:the\s+)?{_AI}\b", re.IGNORECASE)
_STEERING = re.compile(
    r"\b(?:do\s+not|don't|never)\s+(?:mention|reveal|tell|say|repeat|cite|show)\b"
    r"|\b(?:always|only)\s+(?:answer|reply|respond|say)\b"
    r"|\bwhenever\s+(?:anyone|someone|somebody|a\s+user|the\s+user)\s+asks\b"
    r"|\bthis\s+is\s+an\s+override\b",
    re.IGNORECASE,
)
_FORMAT = re.compile(
    r"\[\s*#\s*\d+\s*(?:-\s*#?\s*\d+\s*)?\]"
    r"|\(\s*(?:probably\s+)?superseded\s+by\s*#|\(\s*(?:supersedes|resolves|about)\s*#"
    r"|\(\s*supersedes\s+constraint\s*#",
    re.IGNORECASE,
)
_SOURCE = re.compile(r"[\[\]\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


@lru_cache(maxsize=65_536)
def screen(text: str, source: str = "") -> str | None:
    """The rule an event breaks (a key of `REASONS`), or None when it may be shown."""
    if source and (_SOURCE.search(source) or _FORMAT.search(source)):
        return "source"
    if _FORMAT.search(text):
        return "format"
    if _INSTRUCTIONS.search(text) or (_STEERING.search(text) and _ADDRESSED.search(text)):
        return "instructions"
    return None


__all__ = ["REASONS", "screen"]
