"""Values that facts take (money, people, dates, versions, readings) and their accepted
spellings. A `ValuePool` never hands out the same value twice in one stream while it can
avoid it, so a superseded value never collides with another key's current value.
"""

from __future__ import annotations

import random

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def variants(kind: str, value: str) -> tuple[str, ...]:
    """Accepted spellings of `value` (money and commas are handled by metric normalisation)."""
    if kind == "date":
        month, day = value.split()
        return (value, f"{day} {month}", f"{month[:3]} {day}")
    if kind == "person":
        return (value,)
    return (value,)


class ValuePool:
    """Draws values of a kind for one stream, unique while the space allows (50 tries)."""

    def __init__(self, rng: random.Random, vocab: dict[str, tuple[str, ...]]) -> None:
        self.rng = rng
        self.vocab = vocab
        self.used: set[str] = set()

    def _draw(self, kind: str) -> str:
        r = self.rng
        if kind == "money":
            return f"${r.randrange(12, 2000) * 50:,}"
        if kind == "person":
            return f"{r.choice(self.vocab['first'])} {r.choice(self.vocab['last'])}"
        if kind == "date":
            return f"{r.choice(MONTHS)} {r.randrange(1, 29)}"
        if kind == "version":
            return f"{r.randrange(1, 9)}.{r.randrange(0, 30)}.{r.randrange(0, 20)}"
        if kind == "count":
            return str(r.randrange(3, 400))
        raise ValueError(f"unknown value kind {kind!r}")

    def draw(self, kind: str) -> str:
        for _ in range(50):
            value = self._draw(kind)
            if value not in self.used:
                break
        self.used.add(value)
        return value
