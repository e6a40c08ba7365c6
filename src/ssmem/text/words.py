"""Content words of a text: lowercased alphanumeric words minus function words, a plural
's' stripped. What the retrieval policy's coverage rule and the summary's provenance
match on.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
_STOP = (
    "a an the is are was were be been being of to in on at for from by with about as and or "
    "not no do does did what which who whom whose when where why how that this these those it "
    "its there their they them he she his her we our you your i me my any some all now "
    "current currently still has have had will would can could should shall may might"
)
STOPWORDS = frozenset(_STOP.split(" "))


def content_words(text: str) -> set[str]:
    """Lowercased alphanumeric words minus stopwords, with a plural 's' stripped."""
    words = set()
    for w in _WORD.findall(text.lower()):
        if w in STOPWORDS:
            continue
        words.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return words
