"""Which replies abstain: a regression set of real-style reader replies. A stated value is
never thrown away because the reader hedged after it."""

from __future__ import annotations

import pytest

from ssmem.llm.reader import is_abstention

ABSTAINS = [
    "not in memory",
    "Not in memory.",
    "NOT IN MEMORY [#12]",
    "Sorry, the answer is not in the notes.",
    "The information is not in memory.",
    "That is not found in the notes.",
    "",
    "   ",
    "I'm sorry, but that is not in memory.",
    "I don't know; it is not mentioned in the notes - not in the notes.",
]
ANSWERS = [
    "4-7-1-9-# not in memory",  # the door code, then a hedge: the code was stated
    "$7,500 [#3]",
    "Bo",
    "SEV3 (was SEV1; not in memory before #40)",
    "The budget is $9,000; older values are not in memory.",
    "Friday, not in the notes before that",
    "0412 555 019",
    # real replies of the default reader on tests/data/newuser (ssmem bench-ask, issue 17)
    "Chocolate raspberry. Not in memory",
    "Rabies booster added to recheck. Not in memory",
    "Tree nut allergy. Note",
    "[#4]",  # the note number alone: it points at the answer (the orchestrator quotes it)
    "[#40] [#41]",
]


@pytest.mark.parametrize("reply", ABSTAINS)
def test_abstentions(reply: str) -> None:
    assert is_abstention(reply)


@pytest.mark.parametrize("reply", ANSWERS)
def test_a_stated_value_is_never_discarded(reply: str) -> None:
    assert not is_abstention(reply)
