"""Content phrases: runs of words between function words and punctuation.

"Give me the latest allocation for Velvet Lantern Osaka." has two phrases, ("allocation",)
and ("velvet", "lantern", "osaka"); a change of capitalisation also ends a phrase. A phrase
*occurs* in a text when its words appear there in order and adjacent, and the match is not
part of a longer capitalised name: "Quiet Glacier" does not occur in "account Quiet Glacier
Krakow", but does in "Quiet Glacier: account rep". Identifiers (`velvet_lantern`,
`bright-anchor-denver`) are single words, so `velvet_lantern` never occurs inside
`velvet_lantern_osaka`. No model, no stream state: the same text always gives the same
phrases. Used to rank slots for a query (`phrase_share`) and to consolidate them at read
time (`consolidate.py`).
"""

from __future__ import annotations

import re

import numpy as np

from ssmem.text.lexicon import idf
from ssmem.text.stopwords import STOPWORDS

_PIECE = re.compile(r"[A-Za-z0-9_'-]+|\s+|[^A-Za-z0-9_'\s-]+")
_WORDLIKE = re.compile(r"[A-Za-z0-9_'-]+")
_WORD = re.compile(r"[a-z][a-z0-9_'-]*")

Token = tuple[str, bool]  # (lowercase word, written Capitalised: not "TLS", not "tls")


def tokens(text: str) -> list[Token | None]:
    """The text's words in order, `None` wherever a phrase must break (punctuation, a
    possessive, a number, a function word), with a final `None`. Punctuation inside a
    whitespace-separated token also breaks it: "R23-M0:J05-U01" is "r23-m0", "j05-u01";
    "wip_limit=264" is "wip_limit" then a number."""
    out: list[Token | None] = []
    for piece in _PIECE.findall(text):
        if piece.isspace():
            continue
        if not _WORDLIKE.fullmatch(piece):  # punctuation
            if out and out[-1] is not None:
                out.append(None)
            continue
        core = piece.strip("'")
        possessive = core.lower().endswith("'s")
        if possessive:
            core = core[:-2]
        word = core.lower()
        ok = _WORD.fullmatch(word) is not None and word not in STOPWORDS
        out.append((word, core[:1].isupper() and not core.isupper()) if ok else None)
        if possessive:
            out.append(None)
    out.append(None)
    return out


def phrases(text: str) -> list[tuple[str, ...]]:
    """The text's content phrases, in order of first appearance, without repeats. A change
    of capitalisation also ends a phrase ("did Velvet Glacier use" -> "velvet glacier",
    "use"): a name does not run into the verb after it; an identifier (`_`, `-` or a digit
    in it) is a phrase of its own ("node R23-M0" -> "node", "r23-m0")."""
    out: list[tuple[str, ...]] = []
    run: list[str] = []
    kind: tuple[bool, bool] | None = None  # (capitalised, identifier) of the run
    for tok in tokens(text):
        this = (tok[1], _is_identifier(tok[0])) if tok is not None else None
        if this is not None and (not run or (this == kind and not this[1])):
            run.append(tok[0])
            kind = this
            continue
        if run and tuple(run) not in out:
            out.append(tuple(run))
        run, kind = ([tok[0]], this) if tok is not None else ([], None)
    return out


def _is_identifier(word: str) -> bool:
    return any(c in word for c in "_-0123456789")


def name_words(text: str) -> set[str]:
    """The words of `text` that look like (parts of) names: written Capitalised, or an
    identifier (with `_`, `-` or a digit)."""
    return {t[0] for t in tokens(text) if t is not None and (t[1] or _is_identifier(t[0]))}


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


class TokenCache:
    """`tokens` of event texts, by event seq (a slot's text changes only with its seq).
    Bounded: entries of seqs no longer asked for are dropped when it grows past twice the
    last request."""

    def __init__(self) -> None:
        self._toks: dict[int, tuple[list[Token | None], frozenset[str]]] = {}

    def get(self, items: list[tuple[int, str]]) -> list[tuple[list[Token | None], frozenset[str]]]:
        out = []
        for seq, text in items:
            hit = self._toks.get(seq)
            if hit is None:
                toks = tokens(text)
                hit = self._toks[seq] = (toks, frozenset(t[0] for t in toks if t is not None))
            out.append(hit)
        if len(self._toks) > 2 * len(items) + 64:
            keep = {seq for seq, _ in items}
            self._toks = {s: v for s, v in self._toks.items() if s in keep}
        return out


def phrase_share(query: str, texts: list[tuple[list[Token | None], frozenset[str]]]) -> np.ndarray:
    """Per text (from `TokenCache.get`), the IDF mass of the query's phrases that occur in
    it over the mass of those that occur in any text, in [0, 1]. IDF is over `texts`: a
    phrase few texts hold (a name) outweighs one most hold ("due date")."""
    n = len(texts)
    share = np.zeros(n, dtype=np.float64)
    total = 0.0
    for phrase in phrases(query):
        need = set(phrase)
        hits = np.array(
            [need <= words and occurs(phrase, toks) for toks, words in texts], dtype=bool
        )
        df = int(hits.sum())
        if df:
            weight = idf(n, df)
            share += weight * hits
            total += weight
    return share / total if total > 0 else share
