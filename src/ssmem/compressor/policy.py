"""Who may supersede what, and which lines are one statement said again (a flood).

`SupersedePolicy` is the one rule the write path (the materializer's updates and
resolutions) and the read path (read-time consolidation, the supersession notes) both ask:
*may* an event from one source supersede a value another (or the same) source stated, and
is that supersession *flagged* for the reader. `statement_key` is the one test of "the same
statement": the materializer merges such events into one slot with a count, and the raw
window shows them as one line with a count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Who = Literal["any", "same_source", "trusted"]
WHO: tuple[Who, ...] = ("any", "same_source", "trusted")


@dataclass(frozen=True)
class Verdict:
    """The policy's answer for one supersession: whether it may happen, and its flags (the
    replaced value was stated by another source; the replaced slot is a constraint)."""

    allowed: bool
    cross_source: bool = False
    constraint: bool = False

    @property
    def flagged(self) -> bool:
        return self.cross_source or self.constraint


@dataclass(frozen=True)
class SupersedePolicy:
    """Which source may supersede a value (an update) or close a loop (a resolution).

    who: "any" (default): any source in the session; "same_source": only the source that
        stated the value; "trusted": the same source, or any source in `trusted`.
    trusted: the sources that may supersede anyone's value under "trusted".
    A supersession that is not allowed does not happen: the event opens its own slot (write
    path) or leaves the older line unmarked (read path); nothing is lost. An allowed one
    that replaces a constraint, or a value stated by another source, is flagged: the
    renderer and the inspector say so. Closing another source's open question is the
    ordinary course of a conversation, so a resolution is never flagged as cross-source.
    """

    who: Who = "any"
    trusted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.who not in WHO:
            raise ValueError(f"SupersedePolicy.who must be one of {WHO}, got {self.who!r}")
        if isinstance(self.trusted, str) or not all(isinstance(s, str) for s in self.trusted):
            raise ValueError("SupersedePolicy.trusted must be a collection of source names")
        object.__setattr__(self, "trusted", frozenset(self.trusted))
        if self.trusted and self.who != "trusted":
            raise ValueError(f"SupersedePolicy.trusted is set but who is {self.who!r}")

    def may_supersede(self, old_source: str | None, new_source: str | None) -> bool:
        """May an event from `new_source` replace a value stated by `old_source`? (None: a
        line whose source is unknown: allowed only under "any".)"""
        if self.who == "any":
            return True
        if old_source is None or new_source is None:
            return False
        return new_source == old_source or (self.who == "trusted" and new_source in self.trusted)

    def judge(
        self,
        old_source: str | None,
        new_source: str | None,
        old_type: str,
        resolves: bool = False,
    ) -> Verdict:
        """The verdict on `new_source` superseding a value of type `old_type` stated by
        `old_source` (`resolves`: closing an open loop, never flagged as cross-source)."""
        if not self.may_supersede(old_source, new_source):
            return Verdict(False)
        cross = (
            not resolves
            and old_source is not None
            and new_source is not None
            and old_source != new_source
        )
        return Verdict(True, cross_source=cross, constraint=old_type == "constraint")

    def to_dict(self) -> dict[str, object]:
        return {"who": self.who, "trusted": sorted(self.trusted)}


# -- floods ---------------------------------------------------------------------------------
# A statement's tokens: words (an apostrophe inside one is kept: "let's") and numbers with
# their sign and inner separators ("-5", "9.5", "1,000", "12:30"), so a number is one token.
_TOKEN = re.compile(r"(?<![\w.,:/])-?\d+(?:[.,:/]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[$€£¥%]")
STANDALONE_WORDS = 4  # tokens a statement needs to mean the same wherever it stands


def statement_key(text: str) -> str:
    """What "the same statement" compares: the text's words and numbers, in order,
    case-folded, with spacing and punctuation dropped ("Deploy froze at v2." and "deploy
    froze at v2" are one statement). Numbers are kept exactly: "budget is now $9k" and
    "... $7k" are two statements (an update, not a flood), as are two log lines that differ
    only in a node id."""
    return " ".join(_TOKEN.findall(text.casefold()))


def stands_alone(key: str) -> bool:
    """A statement of at least `STANDALONE_WORDS` tokens means the same wherever it stands,
    so its copies may collapse into one even when other lines come between them; a shorter
    one ("yes", "ok, do it") answers the line before it, so only a run of copies collapses."""
    return key.count(" ") + 1 >= STANDALONE_WORDS if key else False
