"""Read-time consolidation: older slots that a newer slot probably superseded.

The materializer overwrites a slot only when the update head fires and the key lands; when
either misses, the old and the new value live in two slots. At read time the query says what
the subject is, which the write path did not know. Two fact-like slots are taken to be
about the same subject *for this query* when (a) their learned keys are at least
`read_match` apart in cosine and (b) they contain the same *subject words* of the query —
the query's words that are rare in the stream (document frequency at most `RARE_SHARE` of
the events seen, at least 8: names and ids, not template words) — and those carry at least
`MIN_COVER` of the subject's IDF mass (so two slots that both miss the query's name are not
grouped by an attribute word alone). The older one is then rendered with
``(probably superseded by #N)``: nothing is deleted, and the reader sees which is newer.
`read_match` is calibrated with the checkpoint on held-out train templates.
"""

from __future__ import annotations

from collections.abc import Sequence

from ssmem.compressor.lexicon import DocFreq, words
from ssmem.compressor.slots import Slot

RARE_SHARE = 0.05  # a word in at most 5% of the events seen (at most 8 in a short stream)
FACT_LIKE = ("fact", "decision")
MIN_COVER = 0.5


def subject_words(query: str, lexicon: DocFreq) -> set[str]:
    """The query's words that occur in the stream, but rarely."""
    limit = max(8.0, RARE_SHARE * lexicon.docs)
    return {w for w in words(query) if 0 < lexicon.df.get(w, 0) <= limit}


def probable_supersessions(
    slots: Sequence[Slot], query: str, lexicon: DocFreq, read_match: float
) -> dict[int, int]:
    """slot id -> seq of the newer slot that probably superseded it (among `slots`)."""
    subject = subject_words(query, lexicon)
    if not subject or read_match > 1.0:
        return {}
    facts = [s for s in slots if s.type in FACT_LIKE and s.status != "open"]
    text_words = {s.id: words(s.current.text) for s in facts}
    # Query words no candidate mentions ("me", "latest") say nothing about the subject.
    subject &= set().union(*text_words.values()) if text_words else set()
    if not subject:
        return {}
    mass = sum(lexicon.idf(w) for w in subject)
    covered: dict[int, frozenset[str]] = {}
    for s in facts:
        hit = frozenset(subject & text_words[s.id])
        if hit and sum(lexicon.idf(w) for w in hit) >= MIN_COVER * mass:
            covered[s.id] = hit
    about = sorted((s for s in slots if s.id in covered), key=lambda s: s.current.seq)
    out: dict[int, int] = {}
    for i, old in enumerate(about):
        for new in about[i + 1 :]:
            if covered[old.id] == covered[new.id] and float(old.key @ new.key) >= read_match:
                out[old.id] = new.current.seq  # the latest such newer slot wins
    return out
