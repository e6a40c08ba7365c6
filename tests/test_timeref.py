"""Time references in questions become the interval of event times they point at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ssmem.text.timeref import DAY, time_window

NOW = datetime(2023, 6, 20, 12, tzinfo=UTC).timestamp()


def day(y: int, m: int, d: int) -> float:
    return datetime(y, m, d, 12, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("query", "inside", "outside"),
    [
        ("What did I cook a couple of days ago?", day(2023, 6, 18), day(2023, 6, 10)),
        ("the sports event two weeks ago", day(2023, 6, 6), day(2023, 6, 19)),
        ("trips in the past three months", day(2023, 4, 1), day(2023, 1, 1)),
        ("what did I buy last month?", day(2023, 5, 15), day(2023, 3, 1)),
        ("the concert in March", day(2023, 3, 15), day(2023, 5, 1)),
        ("the concert in July", day(2022, 7, 15), day(2023, 6, 19)),  # no July yet this year
        ("my trip in March 2022", day(2022, 3, 15), day(2023, 3, 15)),
        ("what I did yesterday", day(2023, 6, 19), day(2023, 6, 15)),
        ("the class last Saturday", day(2023, 6, 17), day(2023, 6, 1)),
    ],
)
def test_time_references_point_at_an_interval(query: str, inside: float, outside: float) -> None:
    lo, hi = time_window(query, NOW)
    assert lo <= inside <= hi
    assert not lo <= outside <= hi
    assert hi <= NOW + DAY


@pytest.mark.parametrize(
    "query",
    [
        "How many days ago did I go rafting?",
        "Which came first, X or Y?",
        "I may go",
        "",
        "\x00 ago",
    ],
)
def test_no_readable_time_is_none(query: str) -> None:
    assert time_window(query, NOW) is None


def test_no_reference_time_is_none() -> None:
    assert time_window("two weeks ago", None) is None
