"""Request and response bodies of the HTTP API (pydantic: they are also the OpenAPI schema).

Events stay plain JSON objects here on purpose: `ssmem.adapters.event_from_obj` validates
them, so HTTP, WebSocket and JSONL files accept exactly the same events.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME = r"^[^\x00-\x1f]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionCreate(Strict):
    name: str = Field("", max_length=200, pattern=NAME, description="A label for people.")
    system: str = Field("window", max_length=64, description="A registered memory system.")
    budget: int | None = Field(
        None,
        ge=0,
        le=1 << 31,
        description="Default read budget (null: the server default).",
    )


class SessionOut(BaseModel):
    id: str
    name: str
    system: str
    created: float
    events: int
    last_seq: int | None
    budget: int | None
    chain: str = Field(description="Hash-chain head over every committed event.")


class SessionList(BaseModel):
    sessions: list[SessionOut]
    limit: int
    offset: int


class EventBatch(Strict):
    events: list[dict[str, Any]] = Field(
        description="Events as in JSONL: `text` required; `seq`, `ts`, `source`, `kind`, "
        "`meta` optional. Seqs increase strictly, at most 2**53 - 1; an already-committed "
        "identical event is a duplicate (not ingested twice). `meta` and other extra keys are "
        "plain JSON: nested at most 32 levels, no NaN or Infinity (422 naming the field).",
    )
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=NAME,
        description="Same as the Idempotency-Key header: a retried batch returns the first reply.",
    )


class IngestOut(BaseModel):
    session_id: str
    accepted: int = Field(description="New events committed by this request.")
    duplicates: int = Field(description="Events already committed (a retry).")
    first_seq: int | None
    last_seq: int | None
    head_seq: int = Field(description="The session's last committed seq (-1 if none).")
    events: int
    replayed: bool = Field(description="True when answered from an idempotency key.")


class EventOut(BaseModel):
    seq: int
    ts: float | None
    source: str
    kind: str
    text: str
    meta: dict[str, Any]


class EventPage(BaseModel):
    events: list[EventOut]
    next_after: int | None


class SegmentOut(BaseModel):
    kind: str
    seqs: list[int]
    text: str
    tokens: int


class ContextOut(BaseModel):
    system: str
    budget: int
    tokens: int
    segments: list[SegmentOut]
    lines: list[dict[str, Any]] = Field(
        default=[], description="The typed lines (kind, seqs, text, source, notes)."
    )
    info: dict[str, Any] = {}
    text: str = Field(description="The rendering a reader sees.")
    stats: dict[str, int]


class ContextRequest(Strict):
    query: str = Field("", max_length=10_000)
    budget: int | None = Field(None, ge=0)


class ProbeOut(BaseModel):
    about: str
    slots: list[dict[str, Any]] = Field(
        description="Slots best first: current value (text, seq, source), `history` "
        "(superseded values, oldest first, with why), `opened` (the event that opened the "
        "slot when it is not the current one), `score`, `probably_superseded_by` (a seq)."
    )


class SlotOut(BaseModel):
    slot: dict[str, Any] = Field(description="The slot: current value and its history.")


class AnswerOut(BaseModel):
    answer: str
    citations: list[int] = Field(description="Seqs of the events the answer cites.")
    cited: list[EventOut] = Field(description="The cited events, verbatim from the log.")
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    retrieval_fired: str | None = None
    backend: str


class SnapshotOut(BaseModel):
    id: int
    upto_seq: int
    events: int
    created: float
    chain: str
    checksum: str
    state_bytes: int
    status: Literal["ok", "corrupt"]


class SnapshotList(BaseModel):
    snapshots: list[SnapshotOut]


class SnapshotDiff(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: SnapshotOut = Field(alias="from")
    to: SnapshotOut
    events_between: int
    seq_range: list[int]
    state_bytes_delta: int
    added: list[str]
    removed: list[str]
    unified_diff: str


class TenantCreate(Strict):
    name: str = Field(min_length=1, max_length=200, pattern=NAME)


class TenantKey(BaseModel):
    tenant: str
    api_key: str = Field(description="Shown once; the server keeps only its hash.")


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
