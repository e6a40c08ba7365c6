"""Content words of a text: lowercased alphanumeric words minus function words, a plural
's' stripped. What the retrieval policy's coverage rule and the summary's provenance
match on.
"""

from __future__ import annotations

import re

from ssmem.text.stopwords import STOPWORDS

_WORD = re.compile(r"[a-z0-9]+")


def content_words(text: str) -> set[str]:
    """Lowercased alphanumeric words minus stopwords, with a plural 's' stripped."""
    words = set()
    for w in _WORD.findall(text.lower()):
        if w in STOPWORDS:
            continue
        words.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return words
