"""What a memory line's text is made of, computed once and kept with it: its lexicon words
(IDF overlap), its phrase tokens and their word set (phrase matching, consolidation).
"""

from __future__ import annotations

from dataclasses import dataclass

from ssmem.text.lexicon import words
from ssmem.text.phrases import Token, tokens


@dataclass(frozen=True, slots=True)
class Analysis:
    words: frozenset[str]  # `lexicon.words`: lowercase word types, numbers left out
    tokens: tuple[Token | None, ...]  # `phrases.tokens`: words with phrase breaks
    token_words: frozenset[str]  # the words among `tokens` (a quick test before `occurs`)


def analyse(text: str) -> Analysis:
    toks = tokens(text)
    return Analysis(
        frozenset(words(text)), tuple(toks), frozenset(t[0] for t in toks if t is not None)
    )
