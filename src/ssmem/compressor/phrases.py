"""Content phrases: runs of words between function words and punctuation.

"Give me the latest allocation for Velvet Lantern Osaka." has two phrases, ("allocation",)
and ("velvet", "lantern", "osaka"). A phrase *occurs* in a text when its words appear there
in order and adjacent, and the match is not part of a longer capitalised name: "Quiet
Glacier" does not occur in "account Quiet Glacier Krakow", but does in "Quiet Glacier:
account rep". Identifiers (`velvet_lantern`, `bright-anchor-denver`) are single words, so
`velvet_lantern` never occurs inside `velvet_lantern_osaka`. No model, no stream state:
the same text always gives the same phrases.
"""

from __future__ import annotations

import re

# English function words (and the question words a memory query is phrased with): they
# separate phrases and are never part of one.
_FUNCTION_WORDS = """a an the of for to on in at by with from as into about over after before than
    is are was were be been being am it its this that these those there here
    and or but if then so not no nor me my mine we our us you your i he she they them his
    her their do does did done has have had will would can could should shall may might
    must what which who whom whose when where why how give tell show find get latest
    current currently now right please"""
STOPWORDS = frozenset(_FUNCTION_WORDS.split())
_OPEN = "([{\"'"
_CLOSE = '.,:;!?)]}"'
_WORD = re.compile(r"[a-z][a-z0-9_'-]*")

Token = tuple[str, bool]  # (lowercase word, written capitalised)


def tokens(text: str) -> list[Token | None]:
    """The text's words in order, `None` wherever a phrase must break (punctuation, a
    possessive, a number, a function word), with a final `None`."""
    out: list[Token | None] = []
    for raw in text.split():
        core = raw.strip(_OPEN + _CLOSE)
        possessive = core.lower().endswith("'s")
        if possessive:
            core = core[:-2]
        if raw[0] in _OPEN:
            out.append(None)
        word = core.lower()
        ok = _WORD.fullmatch(word) is not None and word not in STOPWORDS
        out.append((word, core[:1].isupper()) if ok else None)
        if raw[-1] in _CLOSE or possessive:
            out.append(None)
    out.append(None)
    return out


def phrases(text: str) -> list[tuple[str, ...]]:
    """The text's content phrases, in order of first appearance, without repeats."""
    out: list[tuple[str, ...]] = []
    run: list[str] = []
    for tok in tokens(text):
        if tok is not None:
            run.append(tok[0])
            continue
        if run and tuple(run) not in out:
            out.append(tuple(run))
        run = []
    return out


def occurs(phrase: tuple[str, ...], toks: list[Token | None]) -> bool:
    """`phrase` appears in `toks` (from `tokens`) as adjacent words, not continued by a
    capitalised word on either side where its own end word is capitalised (a longer name)."""
    n = len(phrase)
    for i in range(len(toks) - n):
        window = toks[i : i + n]
        if any(t is None or t[0] != w for t, w in zip(window, phrase, strict=True)):
            continue
        before = toks[i - 1] if i > 0 else None
        if _capitalised(toks[i + n]) and _capitalised(window[-1]):
            continue
        if _capitalised(before) and _capitalised(window[0]):
            continue
        return True
    return False


def _capitalised(tok: Token | None) -> bool:
    return tok is not None and tok[1]
