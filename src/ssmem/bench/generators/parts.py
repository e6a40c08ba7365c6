"""Template parts of the train split: "fit" templates to train on, "heldout" ones to calibrate.

The eval split's templates are unseen by construction, so thresholds calibrated on streams
that reuse the training templates are over-confident. Holding out every fourth train
template, synonym and name (first and last names, the words entity names are built from)
gives calibration streams whose wording and names the network never saw, as evaluation
will be, without ever touching the eval split. "all" uses every template.
"""

from __future__ import annotations

from ssmem.errors import InputError

PARTS = ("all", "fit", "heldout")


def pick_part(options: tuple[str, ...], part: str) -> tuple[str, ...]:
    """The templates of `options` that belong to `part`; lists of one are shared by both."""
    if part not in PARTS:
        raise InputError(f"unknown template part {part!r} (one of {', '.join(PARTS)})")
    if part == "all" or len(options) < 2:
        return options
    held = tuple(o for i, o in enumerate(options) if i % 4 == 3) or options[-1:]
    if part == "heldout":
        return held
    return tuple(o for o in options if o not in held)
