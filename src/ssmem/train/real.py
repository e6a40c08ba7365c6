"""Real text for training: streams nobody generated, with the partial labels they carry.

A generated stream labels every event (type, key, update). Real streams label less, and
only what their source states; everything else is left unknown (masked in the losses, see
`data.Example`), never guessed:

- LoCoMo conversations (`LOCOMO_FIT` for training, `LOCOMO_CALIBRATION` for thresholds; the
  benchmark asks 0-2): a QA's evidence turns must be kept (retention) and are useful; every
  other turn is not evidence of any of the conversation's ~200 questions (utility 0); the
  questions train the query key (contrastive).
- LongMemEval's dev half, its "fit" split for training and "calibration" split for
  thresholds (the benchmark asks only "eval" items): the `has_answer` turns, the same way.
- Loghub's structured logs (every system but BGL, which the benchmark asks; Thunderbird is
  kept for calibration): repetition
  alone defines noise — a line whose template (`EventId`) is new to the stream must be
  kept, one whose template came `NOISE_AFTER` or more times before is noise; in between is
  unknown. A warning or worse (`ALARM_LEVELS`) is never labelled noise, however often its
  template recurs: a burst of the same fault on many nodes is what a log monitor must keep
  (BGL's alerts are such bursts). No utility labels and no questions. The shared Loghub
  holds alert labels only for BGL_2k, so no anomaly labels are used (training on them would
  train on the benchmark).

Types, keys and updates stay unknown on all real streams.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ssmem.adapters.loghub import load_loghub_csv
from ssmem.bench.data import data_dir
from ssmem.bench.locomo import locomo_streams
from ssmem.bench.longmemeval import longmemeval_stream, split_items
from ssmem.bench.types import Stream
from ssmem.errors import InputError
from ssmem.events import Event

LOCOMO_FIT = (3, 4, 5, 6, 7)
LOCOMO_CALIBRATION = (8, 9)
LOGHUB_EVAL = ("BGL",)  # asked by the benchmark (`ssmem bench --families bgl`)
LOGHUB_CALIBRATION = ("Thunderbird",)
LOGHUB_CHUNK = 500  # log lines per training stream (a 2k log becomes 4 streams)
NOISE_AFTER = 5  # a template seen this many times before is noise
# Log levels (lower-cased) of a warning or worse, across Loghub's systems (Android's one-letter
# levels included); a line at such a level is never labelled noise.
ALARM_LEVELS = frozenset(
    {"warn", "warning", "error", "fatal", "severe", "critical", "crit", "alert", "emerg"}
    | {"w", "e", "f"}
)
SOURCES = ("locomo", "longmemeval", "loghub")


@dataclass
class RealStream:
    """A real stream and what its source says about its events.

    keep: seq -> True (must be retained) / False (noise); absent = unknown.
    utility_known: whether every event's utility is known (evidence = 1, others 0); when
    False, utility is unknown for all events.
    """

    stream: Stream
    keep: dict[int, bool] = field(default_factory=dict)
    utility_known: bool = False


def _with_evidence(stream: Stream) -> RealStream:
    ev = {s for q in stream.questions for s in q.evidence}
    return RealStream(stream, dict.fromkeys(ev, True), utility_known=bool(ev))


def locomo_training(samples: tuple[int, ...]) -> list[RealStream]:
    """LoCoMo conversations `samples` (never 0-2, which the benchmark asks)."""
    if any(i in (0, 1, 2) for i in samples):
        raise InputError("LoCoMo conversations 0-2 are the benchmark's; train on 3-9")
    return [_with_evidence(s) for s in locomo_streams(list(samples))]


def longmemeval_training(split: str, limit: int | None = None) -> list[RealStream]:
    """The dev half's items of `split` ("fit" or "calibration"; never "eval")."""
    if split not in ("fit", "calibration"):
        raise InputError(f"LongMemEval training uses fit or calibration items, not {split!r}")
    return [
        _with_evidence(longmemeval_stream(it, i)) for i, it in enumerate(split_items(split)[:limit])
    ]


def alarm(row: Event) -> bool:
    """Whether a Loghub row's level is a warning or worse (`ALARM_LEVELS`)."""
    return str(row.meta.get("Level", "")).strip().lower() in ALARM_LEVELS


def log_event(seq: int, row: Event) -> Event:
    """A Loghub row as the event a log monitor would send: level, component, content."""
    m = row.meta
    head = " ".join(x for x in (m.get("Level", ""), m.get("Component", "")) if x)
    return Event(seq, f"{head}: {row.text}" if head else row.text, ts=row.ts, kind="log")


def loghub_training(part: str = "fit", chunk: int = LOGHUB_CHUNK) -> list[RealStream]:
    """Loghub systems cut into streams of `chunk` lines, with repetition-defined keep/noise
    labels (template counts restart with each stream): for `part="fit"` every system but
    `LOGHUB_EVAL` and `LOGHUB_CALIBRATION`, for "calibration" the latter."""
    out = []
    for path in sorted(data_dir().joinpath("loghub").glob("*/*_2k.log_structured.csv")):
        system = path.parent.name
        held = system in LOGHUB_CALIBRATION
        if system in LOGHUB_EVAL or held != (part == "calibration"):
            continue
        rows = load_loghub_csv(path)
        for start in range(0, len(rows), chunk):
            piece = rows[start : start + chunk]
            events = [log_event(i, r) for i, r in enumerate(piece)]
            seen: Counter[str] = Counter()
            keep: dict[int, bool] = {}
            for ev, row in zip(events, piece, strict=True):
                template = row.meta.get("EventId", "")
                if seen[template] == 0:
                    keep[ev.seq] = True
                elif seen[template] >= NOISE_AFTER and not alarm(row):
                    keep[ev.seq] = False
                seen[template] += 1
            stream = Stream(
                "loghub", "train", start // chunk, events, [], {}, info={"system": system}
            )
            out.append(RealStream(stream, keep))
    return out


def real_training(
    sources: list[str], part: str = "fit", lme_limit: int | None = None
) -> list[RealStream]:
    """The real streams of `sources` for training (`part="fit"`) or threshold calibration
    (`part="calibration"`: LoCoMo 8-9, LongMemEval's calibration items, Thunderbird)."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise InputError(
            f"unknown real training source {unknown[0]!r} (available: {', '.join(SOURCES)})"
        )
    out: list[RealStream] = []
    for source in sources:
        if source == "locomo":
            out += locomo_training(LOCOMO_FIT if part == "fit" else LOCOMO_CALIBRATION)
        elif source == "longmemeval":
            out += longmemeval_training(part, lme_limit)
        elif source == "loghub":
            out += loghub_training(part)
    return out
