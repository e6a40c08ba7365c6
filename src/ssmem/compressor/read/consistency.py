"""The consistency pass: pairs of current slots that give two values for one subject.

Read-time consolidation (`consolidate.py`) marks an older value only when a question names
its subject. This pass asks the same rule without a question: each current slot is paired
with the newer slots that share one of the `RARE` rarest of its words another slot also
has (its subject's name, an id), and the words the two share, in the older one's order,
stand for the question ("Atlas budget is $7,200" and "The Atlas budget is now $9,000" ask
"Atlas budget"). A pair the rule groups, and the supersession policy allows, is a
*conflict*: both are current, one is probably stale. Nothing is changed; the inspector and
the service report the conflicts so a user can see them. Constraints are never in a
conflict (they hold for the whole session), nor is a resolved loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ssmem.compressor.policy import SupersedePolicy
from ssmem.compressor.read.consolidate import NEVER, Candidate, superseded_lines
from ssmem.compressor.settings import ReadConfig
from ssmem.compressor.store.slots import Slot
from ssmem.text.lexicon import DocFreq

RARE = 3  # a slot's rarest words that find the slots it may conflict with
MAX_GROUP = 16  # newer slots compared with one slot at most (the most recent ones)


@dataclass(frozen=True)
class Conflict:
    """Two current values for one subject: `older` (a slot id and its value's seq) is
    probably superseded by `newer`; `flagged_source` when the policy flags the pair."""

    older: int
    older_seq: int
    newer: int
    newer_seq: int
    flagged_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "older": {"slot": self.older, "seq": self.older_seq},
            "newer": {"slot": self.newer, "seq": self.newer_seq},
        }
        if self.flagged_source is not None:
            out["flagged_source"] = self.flagged_source
        return out


def conflicts(
    slots: Mapping[int, Slot],
    about: Callable[[str], set[int]],
    lexicon: DocFreq,
    read_match: float,
    max_diff: float = ReadConfig.max_diff,
    policy: SupersedePolicy | None = None,
) -> list[Conflict]:
    """Every conflict among the current `slots` (`about(word)`: the slots indexed under
    `word`), one per older value (its newest allowed newer one), oldest value first."""
    live = {i: s for i, s in slots.items() if s.type not in NEVER and s.status != "resolved"}
    found: dict[int, tuple[int, str | None]] = {}  # older seq -> (newer seq, flagged source)
    for slot in live.values():
        shared = {w: about(w) for w in slot.about_words}  # words another slot also has
        rare = sorted((w for w in shared if len(shared[w]) > 1), key=lambda w: (-lexicon.idf(w), w))
        newer = {i for w in rare[:RARE] for i in shared[w] if i in live}
        newer = {i for i in newer if live[i].current.seq > slot.current.seq}
        mine = Candidate.of(slot)
        tokens = re.findall(r"\w+", slot.current.text)  # cased: names are found by case
        for i in sorted(newer, key=lambda i: live[i].current.seq)[-MAX_GROUP:]:
            other = live[i]
            both = other.analysis.words
            question = " ".join(t for t in tokens if t.lower() in both)  # the older's order
            pair = [mine, Candidate.of(other)]
            hit = superseded_lines(pair, question, lexicon, read_match, max_diff, policy)
            if slot.current.seq in hit:
                best = hit[slot.current.seq]
                if slot.current.seq not in found or best.seq > found[slot.current.seq][0]:
                    found[slot.current.seq] = (best.seq, best.flagged_source)
    by_seq = {s.current.seq: i for i, s in live.items()}
    return [
        Conflict(by_seq[old], old, by_seq[new], new, flagged)
        for old, (new, flagged) in sorted(found.items())
    ]


__all__ = ["Conflict", "conflicts"]
