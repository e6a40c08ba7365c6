"""The MCP server's wire types: its tools' typed arguments and results.

The SDK builds each tool's input and output JSON Schema from these, so what an agent is
told it may send and will get back is defined here, once; `mcp_server` only wires them to
a `SessionMemory`. Result models allow extra keys: they pass the service's fields through.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

SessionName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="The memory session's name (e.g. a user, task or channel id); "
        "created by the first write.",
    ),
]
Budget = Annotated[
    int | None,
    Field(
        ge=0,
        description="Most tokens the returned memory may use; omit for the session's default.",
    ),
]


# -- arguments and results ---------------------------------------------------------------
class EventIn(BaseModel):
    """One event to remember."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The content, verbatim (stored as data, never interpreted).")
    source: str = Field("", description="Who or what produced it: speaker, tool, component.")
    ts: float | None = Field(
        None, allow_inf_nan=False, description="When, in seconds since the epoch (optional)."
    )
    meta: dict[str, Any] | None = Field(
        None, description="Anything else to keep with the event (JSON object, optional)."
    )


class Receipt(BaseModel):
    """What an append committed."""

    model_config = ConfigDict(extra="allow")

    session: str
    accepted: int = Field(description="Events committed by this call.")
    seqs: list[int] = Field(description="The seqs the events were given, in order.")
    head_seq: int = Field(description="The session's last committed seq.")
    events: int = Field(description="Events in the session.")


class LineOut(BaseModel):
    """One line of a context: what kind it is, its text and the seqs it rests on."""

    model_config = ConfigDict(extra="allow")

    kind: str
    seqs: list[int]
    text: str
    source: str = ""


class ContextOut(BaseModel):
    """A context: `text` is what a reader sees; `lines` are the same items, typed."""

    model_config = ConfigDict(extra="allow")

    session: str
    query: str
    system: str
    budget: int
    tokens: int = Field(description="Tokens the rendered text uses (<= budget).")
    text: str = Field(description="The rendering, one line per item, each with its [#seq].")
    lines: list[LineOut]


class VersionOut(BaseModel):
    """A value a slot held: the event's text, seq and source, and why it was replaced."""

    model_config = ConfigDict(extra="allow")

    seq: int
    text: str
    source: str = ""
    reason: str = ""


class SlotOut(BaseModel):
    """A slot: the current value (text, seq, source) and every value it superseded."""

    model_config = ConfigDict(extra="allow")

    id: int
    type: str
    status: str
    text: str
    seq: int
    source: str = ""
    seqs: list[int] = Field(description="Every seq the slot has held.")
    history: list[VersionOut] = Field(description="Superseded values, oldest first.")


class ProbeOut(BaseModel):
    session: str
    about: str
    slots: list[SlotOut] = Field(
        description="Best first; each may carry `score` and `probably_superseded_by` (a seq)."
    )


class HistoryOut(BaseModel):
    session: str
    seq: int
    slot: SlotOut


class SessionOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    system: str
    events: int
    last_seq: int | None
    budget: int | None = Field(description="The session's default read budget (None: server's).")


class SessionsOut(BaseModel):
    sessions: list[SessionOut]
