"""One line of a context: the events it stands for, their text, and typed notes.

A note (what a line replaced, what superseded it, whether a loop is open) is a field, never
a suffix of `text`: the renderer writes it, and the packer can shorten the text of a line
without ever cutting a note off.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ssmem.events import Event

LineKind = Literal["window", "memory", "retrieved"]
Cut = Literal["head", "tail", "part"]


@dataclass(frozen=True, slots=True)
class Previous:
    """The value a memory line replaced (`resolved`: it was an open loop the line closed)."""

    seq: int
    text: str
    resolved: bool = False


@dataclass(frozen=True, slots=True)
class Overrides:
    """A replacement the supersession policy flags: a memory line's value replaced #`seq`,
    a value stated by another source (`source`; "" when the same source stated it) and/or
    a constraint (`constraint`). Not a droppable trace: the packer keeps it."""

    seq: int
    source: str = ""
    constraint: bool = False


SUBJECT_WORDS = 16  # a subject note keeps the first words of the event that opened the slot


@dataclass(frozen=True, slots=True)
class Subject:
    """What a memory line is about: the event that opened its slot (verbatim, its first
    `SUBJECT_WORDS` words). Shown when neither the line nor its `previous` is that event, so
    an implicit update ("they bumped it to 450") still reads next to its subject."""

    seq: int
    text: str

    @classmethod
    def of(cls, seq: int, text: str) -> Subject:
        words = text.split()
        short = " ".join(words[:SUBJECT_WORDS]) + (" …" if len(words) > SUBJECT_WORDS else "")
        return cls(seq, short)


@dataclass(frozen=True, slots=True)
class Line:
    """One line the reader sees.

    kind: where it came from (recent raw window, memory, retrieved from the raw log).
    seqs: the events its text is from (one for an event or a slot; a summary line may stand
        for a range); the rendered tag names them.
    text: the event's text verbatim (no `[#seq]` label, no source), or shortened by the
        packer (`cut`: "head" kept the start, "tail" kept the end; "part": a passage from
        inside the text, as a retriever that indexes passages returns it).
    source / ts: of the event the text is from.
    open: an unresolved open loop (a question or task nothing has closed yet).
    previous: the value a memory line replaced (a trace the packer may drop to fit).
    subject: the event that opened the line's slot, when neither the line nor `previous` is it.
    superseded_by: a later event the memory knows replaced this line's value.
    probably_superseded_by: a later line read-time consolidation found saying the same thing.
    superseding_source: the source of that later event, when the supersession policy flags
        it (another source's than this line's).
    overrides: the replacement of an earlier value the policy flags (memory lines).
    copies: how many events said this line's statement (a flood collapsed into one line).
    copy_seqs: the seqs of the other copies, when known (the raw window knows them).
    slot / confidence: the memory slot the line shows, and its confidence.
    """

    kind: LineKind
    seqs: tuple[int, ...]
    text: str
    source: str = ""
    ts: float | None = None
    open: bool = False
    previous: Previous | None = None
    subject: Subject | None = None
    superseded_by: int | None = None
    probably_superseded_by: int | None = None
    superseding_source: str | None = None
    overrides: Overrides | None = None
    copies: int = 1
    copy_seqs: tuple[int, ...] = ()
    slot: int | None = None
    confidence: float | None = None
    cut: Cut | None = None

    @classmethod
    def of_event(cls, event: Event, kind: LineKind) -> Line:
        """An event verbatim, as a line of `kind`."""
        return cls(kind, (event.seq,), event.text, event.source, event.ts)

    @property
    def seq(self) -> int:
        """The event the line is tagged with (the newest it stands for)."""
        return self.seqs[-1]

    def provenance(self) -> tuple[int, ...]:
        """Every seq the rendered line stands for: its own, its copies', the replaced
        value's, the subject's."""
        extra = tuple(n.seq for n in (self.previous, self.subject) if n is not None)
        return (*self.seqs, *self.copy_seqs, *extra)

    def marked(self) -> bool:
        """The line is shown as (probably) superseded."""
        return self.superseded_by is not None or self.probably_superseded_by is not None

    def with_notes(self, **notes: Any) -> Line:
        return replace(self, **notes)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "seqs": list(self.seqs), "text": self.text}
        for name in (
            "source",
            "ts",
            "superseded_by",
            "probably_superseded_by",
            "superseding_source",
            "slot",
        ):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        if self.copies != 1:
            out["copies"] = self.copies
        if self.copy_seqs:
            out["copy_seqs"] = list(self.copy_seqs)
        if self.overrides is not None:
            o = self.overrides
            out["overrides"] = {"seq": o.seq, "source": o.source, "constraint": o.constraint}
        if self.open:
            out["open"] = True
        if self.previous is not None:
            p = self.previous
            out["previous"] = {"seq": p.seq, "text": p.text, "resolved": p.resolved}
        if self.subject is not None:
            out["subject"] = {"seq": self.subject.seq, "text": self.subject.text}
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 4)
        if self.cut is not None:
            out["cut"] = self.cut
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Line:
        """The inverse of `to_dict` (a line read back from the service's JSON)."""
        prev, subj, over = d.get("previous"), d.get("subject"), d.get("overrides")
        return cls(
            kind=d["kind"],
            seqs=tuple(d["seqs"]),
            text=d["text"],
            source=d.get("source", ""),
            ts=d.get("ts"),
            open=bool(d.get("open", False)),
            previous=Previous(prev["seq"], prev["text"], prev["resolved"]) if prev else None,
            subject=Subject(subj["seq"], subj["text"]) if subj else None,
            superseded_by=d.get("superseded_by"),
            probably_superseded_by=d.get("probably_superseded_by"),
            superseding_source=d.get("superseding_source"),
            overrides=Overrides(over["seq"], over["source"], over["constraint"]) if over else None,
            copies=d.get("copies", 1),
            copy_seqs=tuple(d.get("copy_seqs", ())),
            slot=d.get("slot"),
            confidence=d.get("confidence"),
            cut=d.get("cut"),
        )
