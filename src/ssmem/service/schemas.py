"""Request and response bodies of the HTTP API (pydantic: they are also the OpenAPI schema).

Events stay plain JSON objects here on purpose: `ssmem.adapters.event_from_obj` validates
them, so HTTP, WebSocket and JSONL files accept exactly the same events.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ssmem.adapters.jsonl import MAX_META_DEPTH, MAX_SEQ

NAME = r"^[^\x00-\x1f]*$"


# A JSON string without NUL (query strings and request text; events may carry NUL as data).
NO_NUL = r"^[^\x00]*$"

# What `ssmem.adapters.event_from_obj` accepts, as JSON Schema (documentation: the adapter
# validates). Not expressible here, and checked by the server: seqs increase strictly within a
# batch and past the session head (a lower seq must repeat a committed event: else 409), `ts`
# strings parse as ISO-8601, `meta` nests at most MAX_META_DEPTH levels, an event's JSON fits
# max_event_bytes (413).
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {"type": "string"},
        "seq": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_SEQ},
        "ts": {
            "type": ["number", "string", "null"],
            "description": "Epoch seconds, or an ISO-8601 time.",
        },
        "source": {"type": ["string", "null"]},
        "kind": {"type": ["string", "null"]},
        "meta": {
            "type": ["object", "null"],
            "description": f"Plain JSON, nested at most {MAX_META_DEPTH} levels.",
        },
    },
    "additionalProperties": True,
}


def _json_integer(value: Any) -> Any:
    """JSON Schema's integers include 3.0; a strict int field would refuse it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A token budget in a request body: an integer (3 or 3.0, never true/false or "3", with
# `Strict`) >= 0; its maximum is the server's max_budget (put in the OpenAPI schema by app.py).
Budget = Annotated[int, Field(ge=0), BeforeValidator(_json_integer)]  # this order: "minimum"


class Strict(BaseModel):
    """A request body: unknown keys are refused, and JSON types are not coerced (a boolean is
    not an integer: `{"budget": false}` is a 422, not a budget of 0)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SessionCreate(Strict):
    name: str = Field("", max_length=200, pattern=NAME, description="A label for people.")
    system: str = Field("window", max_length=64, description="A registered memory system.")
    budget: Budget | None = Field(
        None,
        description="Default read budget (null: the server default); at most the server's "
        "max_budget (the maximum shown here).",
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
        json_schema_extra={"items": EVENT_SCHEMA},
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
    query: str = Field("", max_length=10_000, pattern=NO_NUL)
    budget: Budget | None = Field(
        None, description="Reader tokens (null: the session's, else the server default)."
    )


class ProbeOut(BaseModel):
    about: str
    slots: list[dict[str, Any]] = Field(
        description="Slots best first: current value (text, seq, source), `history` "
        "(superseded values, oldest first, with why), `opened` (the event that opened the "
        "slot when it is not the current one), `score`, `probably_superseded_by` (a seq)."
    )


class SlotOut(BaseModel):
    slot: dict[str, Any] = Field(description="The slot: current value and its history.")


class GroundOut(BaseModel):
    checked: int = Field(description="Values the memory quotes, compared with the log.")
    repaired: int = Field(description="Quoted values rewritten from the log.")
    dropped: int = Field(description="Slots or lines removed: the log does not back them.")
    notes: list[str] = Field(description="A line per change (at most 20).")
    conflicts: list[dict[str, Any]] = Field(
        description="Pairs of current slots giving two values for one subject: `older` and "
        "`newer` (slot id and seq), `flagged_source` when the supersession policy flags it."
    )


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
    id: int = Field(
        description="Random (it reveals nothing about other sessions); a session's snapshots "
        "are listed in the order taken."
    )
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
