"""Read-time consolidation: older slots that a newer slot probably superseded.

The materializer overwrites a slot only when the update head fires and the key lands; when
either misses, the old and the new value live in two slots. At read time the query says what
the subject is, which the write path did not know:

1. The query's content phrases (`phrases.py`) that some candidate slot contains; the
   *subject* is the one with the most IDF mass in the stream (the rarest: a name or an id,
   not "due date").
2. The slots that contain the subject phrase (as the whole name: "Quiet Glacier" is not in
   "Quiet Glacier Krakow") are about it. A constraint holds for the whole session: only a
   newer line of its own source may mark it (`_may_mark`).
3. Two such slots say the same thing about it when they share at least one of the query's
   other items — its other name phrases, whole, and its other content words one by one
   ("allocation"; "spending", "cap" from "which spending cap applies") — the items they do
   not share weigh at most `max_diff` (`ReadConfig`) of the IDF mass of those either
   contains, and their learned keys are at least `read_match` apart in cosine. A query that
   names only a subject ("what about Solar Grove?") or only an attribute ("what is the due date?")
   groups nothing.
4. The supersession policy (`compressor/policy.py`, the one the write path asks) must allow
   the newer line's source to supersede the older's; a pair it refuses is not marked.
5. The older of such a pair is rendered with ``(probably superseded by #N)``, N the newest
   allowed one's seq, and ``stated by S`` when the policy flags it (S, another source).
   Nothing is deleted; the reader sees which is newer.

The same rule runs over raw lines that are no slot (a retrieved event: `Candidate` with no
key), where the key test is skipped — the calibrated `read_match` of 0.0 ties with
ignoring the keys.

`read_match` is calibrated with the checkpoint on held-out train templates (a value below
-1 ignores the keys; above 1 turns consolidation off).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ssmem.compressor.policy import SupersedePolicy
from ssmem.compressor.settings import ReadConfig
from ssmem.compressor.store.slots import Slot
from ssmem.text import Analysis, analyse
from ssmem.text.lexicon import DocFreq
from ssmem.text.phrases import name_words, occurs, phrases

NEVER = ("constraint",)  # never one of two conflicting current values (consistency.py)


def _may_mark(old: Candidate, new: Candidate) -> bool:
    """Whether read time may mark `old` as superseded by `new`. A constraint holds for the
    whole session, so only its own source's newer line may (a rule its author restates
    with a new value: "due date set at October 1, everyone agreed" then "we moved the due
    date to August 8"); another source's never does at read time, so no participant can
    retire someone else's rule by writing a lookalike line. Other types: any pair (the
    policy then decides, `SupersedePolicy.judge`)."""
    if old.type not in NEVER:
        return True
    return old.source is not None and old.source == new.source


def _mass(items: set[tuple[str, ...]], lexicon: DocFreq) -> float:
    return sum(lexicon.idf(w) for p in items for w in p)


@dataclass(frozen=True)
class Newer:
    """The newer line that probably superseded an older one: its seq, and its source when
    the supersession policy flags the pair (another source's; else None)."""

    seq: int
    flagged_source: str | None = None


def probably_superseded(newer: Newer | None) -> dict[str, Any]:
    """A slot's read-time mark as inspector JSON: `probably_superseded_by` (a seq or None)
    and, when the policy flags it, `probably_superseded_by_source` (the newer line's)."""
    out: dict[str, Any] = {"probably_superseded_by": newer.seq if newer else None}
    if newer is not None and newer.flagged_source is not None:
        out["probably_superseded_by_source"] = newer.flagged_source
    return out


@dataclass(frozen=True)
class Candidate:
    """One line the reader may see: a slot's current value, or a raw event (`key` None)."""

    seq: int
    text: str
    type: str = "event"
    key: np.ndarray | None = None
    known: Analysis | None = None  # the text's analysis, when the caller has it already
    source: str | None = None  # who stated it (None: unknown)

    @classmethod
    def of(cls, slot: Slot) -> Candidate:
        return cls(
            slot.current.seq,
            slot.current.text,
            slot.type,
            slot.key,
            slot.analysis,
            slot.current.source,
        )

    @property
    def analysis(self) -> Analysis:
        return self.known if self.known is not None else analyse(self.text)


def probable_supersessions(
    slots: Sequence[Slot],
    query: str,
    lexicon: DocFreq,
    read_match: float,
    max_diff: float = ReadConfig.max_diff,
    policy: SupersedePolicy | None = None,
) -> dict[int, Newer]:
    """slot id -> the newest slot that probably superseded it (among `slots`)."""
    ids = {s.current.seq: s.id for s in slots}
    cands = [Candidate.of(s) for s in slots]
    older = superseded_lines(cands, query, lexicon, read_match, max_diff, policy)
    return {ids[seq]: newer for seq, newer in older.items()}


def superseded_lines(
    lines: Sequence[Candidate],
    query: str,
    lexicon: DocFreq,
    read_match: float,
    max_diff: float = ReadConfig.max_diff,
    policy: SupersedePolicy | None = None,
) -> dict[int, Newer]:
    """seq -> the newest line that probably superseded it (among `lines`) and `policy`
    (default: any source) allows to. The key test applies only where both lines have a
    key. A constraint is superseded only by a newer line of its own source (`_may_mark`)."""
    if read_match > 1.0:
        return {}
    policy = policy or SupersedePolicy()
    cands = list(lines)
    text = {c.seq: c.analysis for c in cands}

    def has(phrase: tuple[str, ...], seq: int) -> bool:
        a = text[seq]  # all its words there first: a set test before the ordered scan
        return a.token_words.issuperset(phrase) and occurs(phrase, a.tokens)

    asked = phrases(query)
    present = {p for p in asked if any(has(p, c.seq) for c in cands)}
    if not present:
        return {}
    subject = max(present, key=lambda p: (_mass({p}, lexicon), p))
    about = sorted((c for c in cands if has(subject, c.seq)), key=lambda c: c.seq)
    # What else the query says, as items: a name phrase must occur whole ("Velvet Quarry" is
    # not in "Velvet Lantern Lima"); other words count one by one, as a question may glue a
    # verb to its attribute ("which spending cap applies to ...").
    names = name_words(query)
    items: list[tuple[str, ...]] = []
    for p in asked:
        if p == subject:
            continue
        items.extend([p] if names & set(p) else [(w,) for w in p if w not in subject])
    said = {c.seq: {p for p in items if has(p, c.seq)} for c in about}
    out: dict[int, Newer] = {}
    for i, old in enumerate(about):
        for new in about[i + 1 :]:
            a, b = said[old.seq], said[new.seq]
            if not a & b or _mass(a ^ b, lexicon) > max_diff * _mass(a | b, lexicon):
                continue
            if not _may_mark(old, new):
                continue
            if old.key is None or new.key is None or float(old.key @ new.key) >= read_match:
                verdict = policy.judge(old.source, new.source, old.type)
                if verdict.allowed:  # the newest allowed line wins
                    out[old.seq] = Newer(new.seq, new.source if verdict.cross_source else None)
    return out
