"""Content phrases: split at function words and punctuation; names match whole."""

from __future__ import annotations

from ssmem.compressor.phrases import occurs, phrases, tokens


def test_query_phrases_skip_function_words_and_punctuation() -> None:
    q = "Give me the latest allocation for Velvet Lantern Osaka."
    assert phrases(q) == [("allocation",), ("velvet", "lantern", "osaka")]
    assert phrases("swap quiet_glacier's target version to 3.16.7; ok.") == [
        ("swap", "quiet_glacier"),  # the possessive ends the phrase
        ("target", "version"),  # the number and "to" are breaks
        ("ok",),
    ]


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
