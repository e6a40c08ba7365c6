"""Time references in a question, as the interval of event times they point at.

"two weeks ago", "a couple of days ago", "last month", "in the past three months",
"yesterday", "this week", "in March", "March 2023", "last Saturday": each gives a (start, end)
interval in epoch seconds around a reference time `now` (the latest event time a memory has
seen, or the question's own date). Intervals are generous on purpose — "two weeks ago" is
taken as 1-3 weeks before `now` — because people round and a retriever uses the interval to
prefer events, not to exclude them.

Contract: `time_window(query, now)` returns None when the query names no time it can read;
never raises on any text. English only.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

DAY = 86_400.0
UNITS = {"day": DAY, "week": 7 * DAY, "month": 30.44 * DAY, "year": 365.25 * DAY}
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "a couple of": 2,
    "couple of": 2,
    "a few": 3,
    "few": 3,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "several": 4,
}
_NUM = r"(\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + ")"
_UNIT = r"(day|week|month|year)s?"
AGO = re.compile(rf"\b{_NUM}\s+{_UNIT}\s+ago\b", re.IGNORECASE)
PAST = re.compile(rf"\b(?:past|last|previous)\s+{_NUM}\s+{_UNIT}\b", re.IGNORECASE)
LAST = re.compile(r"\b(last|this|past)\s+(week|weekend|month|year)\b", re.IGNORECASE)
DAYWORD = re.compile(r"\b(yesterday|today|tonight|this morning)\b", re.IGNORECASE)
WEEKDAY = re.compile(
    r"\b(?:last|on|this past)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTH = re.compile(
    r"\b(?:(?:in|during|on|since|of|early|late|mid)\s+(" + "|".join(MONTHS) + r")\b"
    r"(?:\s+(\d{4}))?|(" + "|".join(MONTHS) + r")\s+(\d{4}))\b",
    re.IGNORECASE,
)


def _count(word: str) -> float:
    w = word.lower()
    return float(w) if w.isdigit() else float(NUMBERS.get(w, 1))


def time_window(query: str, now: float | None) -> tuple[float, float] | None:
    """The interval the query's first readable time reference points at, or None."""
    if now is None or not query:
        return None
    if m := AGO.search(query):
        n, unit = _count(m.group(1)), UNITS[m.group(2).lower()]
        center = now - n * unit
        slack = max(unit, 2 * DAY) if n <= 1 else max(0.5 * n * unit, 2 * DAY)
        return center - slack, min(now, center + slack)
    if m := PAST.search(query):
        n, unit = _count(m.group(1)), UNITS[m.group(2).lower()]
        return now - n * unit - unit, now
    if m := LAST.search(query):
        which, unit = m.group(1).lower(), m.group(2).lower()
        span = UNITS["week"] if unit == "weekend" else UNITS[unit]
        return (now - span - DAY if which == "this" else now - 2 * span), now
    if m := DAYWORD.search(query):
        back = 2 * DAY if m.group(1).lower() == "yesterday" else DAY
        return now - back - DAY, now
    if WEEKDAY.search(query):
        return now - 8 * DAY, now
    if m := MONTH.search(query):
        name, given = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        month = MONTHS[name.lower()]
        ref = datetime.fromtimestamp(now, UTC)
        year = int(given) if given else ref.year - (month > ref.month)
        start = datetime(year, month, 1, tzinfo=UTC)
        end = start + timedelta(days=calendar.monthrange(year, month)[1])
        return start.timestamp() - 3 * DAY, end.timestamp() + 3 * DAY
    return None
