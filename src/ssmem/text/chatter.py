"""Short chat messages, judged by their text: what states nothing on its own, and what
carries a concrete value. The write path drops the first as noise and keeps the second.

`says_nothing`: acknowledgements and one-word replies ("Great.", "ok", "lol", "oh right",
"Tacos.", "❤️").
A line in memory stands alone, without the turn it answered, so "Yes, zellige." or "Tacos."
there says nothing a reader can use (the raw log and retrieval keep them). Checked on text
no evaluation question uses: of 4,431 LoCoMo turns in conversations 3-9, 20 match ("Bye!",
"Sounds great!", "Sure, John!"), none a gold evidence turn; of 7,122 events in generated
train streams (3 seeds x 7 families, 8k tokens), 446 match, none labelled other than noise.

`carries_value`: a code, an id, a phone number, an amount, a time ("gate code is 4471",
"ref HMQ8ZT4K", "250-555-0144", "$11,550", "7:30am"). The retention head, trained on
generated text, dropped such chat lines from real chats; the write path keeps them when the
event is a chat turn (`CHAT_KINDS`). Checked on generated train streams (2 seeds x 7
families, 8k tokens): in the chat families (meeting, meeting-thread, household) none of 357
value-bearing turns is labelled noise, so keeping them costs nothing there; in logs and tool
steps (coding, agent, incident) 523 of 1,038 are noise, so the rule leaves those kinds to
the head.
"""

from __future__ import annotations

import re

from ssmem.text.stopwords import STOPWORDS

MAX_WORDS = 3  # longer messages can state something even with one content word
_ACKS = """ok okay k kk great thanks thank thx ty lol lmao haha hah yes yep yeah yup ya sure
    noted got cool nice perfect awesome fine right oh ah ugh hmm wow np welcome agreed
    sounds good"""
ACKNOWLEDGEMENTS = frozenset(_ACKS.split())
CHAT_KINDS = frozenset(("turn", "chat", "message"))  # what chat adapters and users call a turn
_VALUE = re.compile(
    r"[$€£]\s?\d"  # an amount
    r"|(?<![\w.])\d{3,}(?![\w])"  # a number of 3+ digits: a code, a count, a year
    r"|\d+[-:./]\d+"  # digits joined by separators: a phone number, a time, a date
    r"|\b(?=[a-z0-9-]*\d)(?=[a-z0-9-]*[a-z])[a-z0-9-]{4,}\b",  # letters with digits: an id
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_DIGIT = re.compile(r"\d")


def says_nothing(text: str) -> bool:
    """True for a message of at most `MAX_WORDS` words, no digit, and at most one word that
    is neither a function word nor an acknowledgement (emoji and punctuation alone count as
    no words). A digit always counts as content: "4471", "8:30 then" are values."""
    if _DIGIT.search(text):
        return False
    words = _WORD.findall(text.lower())
    if len(words) > MAX_WORDS:
        return False
    content = [
        w
        for w in words
        if w not in STOPWORDS and w not in ACKNOWLEDGEMENTS and w.split("'")[0] not in STOPWORDS
    ]
    return len(content) <= 1


def carries_value(text: str) -> bool:
    """True when `text` holds a concrete value: an amount ("$40", "€150"), a number of 3 or
    more digits ("4471"), digits joined by a separator ("250-555-0144", "7:30", "5.4"), or an
    id mixing letters and digits ("BB-2291", "HMQ8ZT4K", "TP1337")."""
    return _VALUE.search(text) is not None
