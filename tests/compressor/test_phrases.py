"""Content phrases: split at function words and punctuation; names match whole."""

from __future__ import annotations

from ssmem.text.phrases import TokenCache, occurs, phrase_share, phrases, tokens


def test_query_phrases_skip_function_words_and_punctuation() -> None:
    q = "Give me the latest allocation for Velvet Lantern Osaka."
    assert phrases(q) == [("allocation",), ("velvet", "lantern", "osaka")]
    assert phrases("swap quiet_glacier's target version to 3.16.7; ok.") == [
        ("swap",),  # an identifier is a phrase of its own
        ("quiet_glacier",),  # and the possessive ends it
        ("target", "version"),  # the number and "to" are breaks
        ("ok",),
    ]


def test_punctuation_inside_a_token_splits_it() -> None:
    assert phrases("What alert did node R23-M0-NE-C:J05-U01 log?") == [
        ("alert",),
        ("node",),
        ("r23-m0-ne-c",),
        ("j05-u01",),
        ("log",),
    ]
    assert ("wip_limit",) in phrases("Policy tweak for the team: wip_limit=264.")


def test_a_name_occurs_only_as_the_whole_name() -> None:
    name = ("quiet", "glacier")
    assert occurs(name, tokens("Correction applied to Quiet Glacier: account rep Fatima Aydin."))
    assert not occurs(name, tokens("account rep: Fatima Aydin (account Quiet Glacier Krakow)"))
    assert not occurs(name, tokens("the notes on Bright Quiet Glacier are late"))
    assert occurs(name, tokens("the quiet glacier krakow"))  # no capitals: no name to extend
    assert not occurs(("velvet_lantern",), tokens("velvet_lantern_osaka is up"))


def test_words_must_be_adjacent_and_in_order() -> None:
    assert not occurs(("due", "date"), tokens("the date is due"))
    assert not occurs(("due", "date"), tokens("due, date"))
    assert occurs(("due", "date"), tokens("due date: May 2"))


def test_phrase_share_weighs_rare_phrases_over_common_ones() -> None:
    texts = [
        "Action log - Velvet Lantern Osaka - allocation: $35,550.",
        "Action log - Velvet Lantern Perth - allocation: $12,000.",
        "Action log - Quiet Anchor - allocation: $9,000.",
        "Pulse survey for Velvet Lantern Osaka flags duplicated work.",
    ]
    cache = TokenCache()
    share = phrase_share(
        "What is the allocation for Velvet Lantern Osaka?",
        cache.get(list(enumerate(texts))),
    )
    assert share[0] == 1.0  # both phrases
    assert share[3] > share[1] > 0.0  # the name is rarer than "allocation"
    assert share[1] == share[2]  # "Velvet Lantern" alone is not the name asked for
    assert phrase_share("unrelated words", cache.get(list(enumerate(texts)))).sum() == 0.0


def test_token_cache_stays_bounded() -> None:
    cache = TokenCache()
    for start in range(0, 1000, 10):
        cache.get([(seq, f"line {seq}") for seq in range(start, start + 10)])
    assert len(cache._toks) <= 2 * 10 + 64
