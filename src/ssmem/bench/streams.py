"""The benchmark's families by name: generated ones and real-data ones, each turned into the
`Stream`s of one matrix cell (family, length, seed).

"babilong" is shorthand for babilong-qa1, -qa2 and -qa3. For "locomo" the seed picks the
conversation (0-9) and the length is the conversation's own; for "bgl" the length is a prefix
of BGL_2k (at most its ~80k tokens); "handwritten" is the packaged hand-written stream(s)
(`ssmem.bench.handwritten`, the seed picks one), never generated or trained on;
"longmemeval" is one LongMemEval-S dev-half item per seed, from its eval split
(`ssmem.bench.longmemeval`), the length is the haystack's own; "newuser" is the hand-written
chats under tests/data/newuser of a checkout (`ssmem.bench.newuser`, the seed picks one).
"""

from __future__ import annotations

from dataclasses import dataclass

from ssmem.bench.generators import EVAL_SEED_BASE, FAMILIES, generate
from ssmem.bench.types import Stream
from ssmem.errors import InputError
from ssmem.tokens import TokenCounter

REAL = (
    "locomo",
    "babilong-qa1",
    "babilong-qa2",
    "babilong-qa3",
    "bgl",
    "handwritten",
    "longmemeval",
    "newuser",
)
ALIASES = {"babilong": ("babilong-qa1", "babilong-qa2", "babilong-qa3")}


def all_families() -> tuple[str, ...]:
    return (*FAMILIES, *REAL)


def expand_families(names: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for n in names:
        for f in ALIASES.get(n, (n,)):
            if f not in all_families():
                known = ", ".join((*all_families(), *ALIASES))
                raise InputError(f"unknown family {n!r} (available: {known})")
            if f not in out:
                out.append(f)
    return tuple(out)


@dataclass(frozen=True)
class StreamOptions:
    locomo_questions: int | None = None  # QAs per conversation (None: all)
    haystack: str = "locomo"  # babilong haystack: locomo | loghub
    bgl_questions: int = 24


def fixed_streams(family: str) -> int | None:
    """How many streams a real-data family has (seeds beyond are skipped), None if unbounded."""
    if family == "locomo":
        return 10
    if family == "handwritten":
        from ssmem.bench.handwritten import HANDWRITTEN

        return len(HANDWRITTEN)
    if family == "newuser":
        from ssmem.bench.newuser import NEWUSER

        return len(NEWUSER)
    if family == "longmemeval":
        from ssmem.bench.longmemeval import split_items

        return len(split_items("eval"))
    return None


def length_matters(family: str) -> bool:
    return family not in ("locomo", "handwritten", "longmemeval", "newuser")


def make_stream(
    family: str, length: int, seed: int, counter: TokenCounter, opts: StreamOptions
) -> Stream:
    if family in FAMILIES:
        return generate(family, "eval", EVAL_SEED_BASE + seed, length, counter)
    if family == "locomo":
        from ssmem.bench.locomo import locomo_streams

        if not 0 <= seed < 10:
            raise InputError(f"locomo has conversations 0-9, got seed {seed}")
        return locomo_streams([seed], opts.locomo_questions)[0]
    if family.startswith("babilong-"):
        from ssmem.bench.babilong import babilong_stream

        return babilong_stream(family.split("-", 1)[1], length, seed, opts.haystack, counter)
    if family == "handwritten":
        from ssmem.bench.handwritten import HANDWRITTEN, load_handwritten

        if not 0 <= seed < len(HANDWRITTEN):
            raise InputError(f"handwritten has streams 0-{len(HANDWRITTEN) - 1}, got seed {seed}")
        return load_handwritten(HANDWRITTEN[seed])
    if family == "newuser":
        from ssmem.bench.newuser import NEWUSER, load_newuser

        if not 0 <= seed < len(NEWUSER):
            raise InputError(f"newuser has streams 0-{len(NEWUSER) - 1}, got seed {seed}")
        return load_newuser(NEWUSER[seed])
    if family == "longmemeval":
        from ssmem.bench.longmemeval import eval_stream

        return eval_stream(seed)
    if family == "bgl":
        from ssmem.bench.loghub import bgl_stream

        return bgl_stream(length, seed, opts.bgl_questions, counter)
    raise InputError(f"unknown family {family!r}")
