"""The event label types a compressor is trained on and a slot can have (ground truth in the
benchmark's generators, predicted by the type head)."""

LABEL_TYPES = (
    "fact",
    "entity",
    "constraint",
    "task",
    "decision",
    "open_question",
    "resolution",
    "noise",
)
