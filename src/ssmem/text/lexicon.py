"""Streaming document frequencies: which words are rare in *this* stream so far.

Used to weight word overlap between a query and a slot (and between an update and the slot
it may replace) by inverse document frequency: template words that every event repeats
count for little, names and ids that few events mention count for a lot. Numbers are left
out (they are values, not what a line is about). The table is bounded: past `max_terms`,
words seen once are pruned, so memory does not grow with the stream. `DocFreq` counts any
hashable terms (the compressor's features count token ids with it); `idf` is the one IDF
formula of the project.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence

import numpy as np

_WORD = re.compile(r"[a-z][a-z0-9_'-]*[a-z0-9]|[a-z]")


def words(text: str) -> set[str]:
    """Lowercase word types of `text`, without pure numbers or a possessive "'s"."""
    return {w.removesuffix("'s") for w in _WORD.findall(text.lower())}


def idf(docs: int, df: int) -> float:
    """Inverse document frequency of a term found in `df` of `docs` documents (smoothed:
    positive even for a term in every document, largest for one in none)."""
    return math.log((docs + 1) / (df + 0.5))


class DocFreq:
    """Streaming document frequencies of terms (words of texts, or any hashable terms)."""

    def __init__(self, max_terms: int = 100_000) -> None:
        self.max_terms = max_terms
        self.df: dict[Hashable, int] = {}
        self.docs = 0

    def add(self, text: str) -> None:
        """Count one document's words."""
        self.add_terms(words(text))

    def add_terms(self, terms: Iterable[Hashable]) -> None:
        """Count one document given as its distinct terms."""
        self.docs += 1
        for t in terms:
            self.df[t] = self.df.get(t, 0) + 1
        if len(self.df) > self.max_terms:
            self.df = {t: n for t, n in self.df.items() if n > 1}

    def idf(self, term: Hashable) -> float:
        return idf(self.docs, self.df.get(term, 0))

    def overlap(self, query: set[str], text: set[str]) -> float:
        """IDF mass of the query's words found in `text`, over the query's total (0..1).
        Words the stream never contained are left out of the total: they match nothing, so
        they would only shrink every score alike (and they get the largest IDF)."""
        total = sum(self.idf(w) for w in query if w in self.df)
        if total <= 0:
            return 0.0
        return sum(self.idf(w) for w in query & text) / total

    def overlaps(self, query: set[str], texts: Sequence[frozenset[str] | set[str]]) -> np.ndarray:
        """`overlap` of the query with each text (the query's IDF total computed once)."""
        total = sum(self.idf(w) for w in query if w in self.df)
        if total <= 0:
            return np.zeros(len(texts))
        idf = {w: self.idf(w) for w in query}
        return np.array([sum(idf[w] for w in query & t) / total for t in texts])
