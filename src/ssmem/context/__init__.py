"""What a memory system hands the reader: typed `Line`s with provenance and notes, the
`ContextInfo` of how they were chosen, one renderer and one packer.

Layers pass these types, never rendered text: only `render.py` writes `[#seq]` tags and notes.
"""

from ssmem.context.context import Context, Segment, make_context
from ssmem.context.info import ContextInfo, Retrieval
from ssmem.context.line import Line, LineKind, Previous, Subject
from ssmem.context.pack import Packed, pack
from ssmem.context.render import render_line, render_lines

__all__ = [
    "Context",
    "ContextInfo",
    "Line",
    "LineKind",
    "Packed",
    "Previous",
    "Retrieval",
    "Segment",
    "Subject",
    "make_context",
    "pack",
    "render_line",
    "render_lines",
]
