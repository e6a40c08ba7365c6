"""An MCP server that lends ssmem memory to agents: `build_server(backend)`.

Tools (each with a typed signature, so clients get a JSON Schema for its arguments and,
for the structured ones, for its result):

- `remember(session, text, source, ts)` and `append_events(session, events)` commit
  events to a named session (created on first use) and return the receipt: `seqs` are
  the seqs the events were given, which every later answer cites as `[#seq]`.
- `context(session, query, budget)` is what the session's memory system builds for a
  query within `budget` tokens: the text content is exactly the rendering a reader sees
  (one line per kept item, each with its `[#seq]` provenance); the structured content
  adds the typed lines. `memory(session, budget)` is the same with no query.
- `probe(session, about, limit)` lists the slots held about a subject (current value,
  seq, source, superseded history); `history(session, seq)` is the slot that holds or
  held event #seq. Both need a system that keeps slots (ssm, hybrid).
- `sessions()` lists the sessions.

Resources: `ssmem://sessions` (the session list, JSON) and the template
`ssmem://sessions/{session}/memory` (a session's rendered memory, as `memory` returns it).

Contracts:

- Memory comes from a `SessionMemory` (`integrations.sessions`): the same tools serve a
  local data dir or a running `ssmem serve`. Sessions are addressed by name; the first write
  creates one, and reading a name nothing was written to answers as an empty session.
- Event text is data: it is stored and returned verbatim, never interpreted here.
- Every bad input is a tool error (`isError: true`) with a one-line message that starts
  with the field it is about (`budget: must be 0..32768, got -1`): arguments failing the
  schema, and every `ServiceError` the backend raises. A service that cannot be reached
  is a tool error too. Nothing a caller sends stops the server.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import httpx
from mcp.server.mcpserver import MCPServer, ResourceSecurity
from mcp.server.mcpserver.exceptions import ResourceError, ToolError, UnexpectedToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, ValidationError

from ssmem import __version__
from ssmem.client import ServiceError
from ssmem.integrations.mcp_models import (
    Budget,
    ContextOut,
    EventIn,
    HistoryOut,
    ProbeOut,
    Receipt,
    SessionName,
    SessionsOut,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp.server.mcpserver import Context

    from ssmem.integrations.sessions import SessionMemory

T = TypeVar("T")

INSTRUCTIONS = """\
Long-term memory for this conversation or task, kept by ssmem. Write what you may need \
later with `remember` (one event) or `append_events` (several, in order); each event gets a \
seq. Before answering from the past, call `context` with your question: it returns the \
relevant memory within a token budget, each line tagged [#seq] with the event it comes from \
(cite those). Later events can supersede earlier ones; the memory keeps the latest value and \
marks what it replaced. `probe` shows what is held about a subject with its history; \
`history` explains one seq. Sessions are named by you (e.g. a user or task id) and created \
on first use."""

# -- errors ------------------------------------------------------------------------------
FIELD_NAMES = {"session_id": "session", "name": "session"}


def field_message(field: str | None, message: str) -> str:
    """`field: message` on one line (a message that starts with its field loses the repeat)."""
    message = " ".join(str(message).split())
    if not field:
        return message
    if message.startswith(field + " "):
        message = message[len(field) + 1 :]
    return f"{field}: {message}"


def service_message(err: ServiceError, rename: Callable[[str], str] | None = None) -> str:
    """A backend error as one line naming the tool argument it is about."""
    field = err.field
    if field:
        field = re.sub(r"^(body|query|path)\.", "", field)
        field = FIELD_NAMES.get(field, field)
        if rename is not None:
            field = rename(field)
    return field_message(field, err.message)


def validation_message(err: ValidationError) -> str:
    """The first error of an argument validation, as `field: problem` on one line."""
    errors = err.errors(include_url=False)
    if not errors:
        return "invalid arguments"
    first = errors[0]
    field = ""
    for part in first["loc"]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return field_message(field or None, first["msg"] + more)


def call(fn: Callable[[], T], rename: Callable[[str], str] | None = None) -> T:
    """Run a backend call; its failures become tool errors the agent can read."""
    try:
        return fn()
    except ServiceError as err:
        raise ToolError(service_message(err, rename)) from None
    except httpx.HTTPError as err:
        reason = field_message(None, f"{type(err).__name__}: {err}")
        raise ToolError(f"memory service unreachable: {reason}") from None


def single_event(field: str) -> str:
    """`remember` sends one event: `events[0].text` is its `text`, `events[0]` its whole."""
    if field.startswith("events[0]."):
        return field[len("events[0].") :]
    return "text" if field in ("events", "events[0]") else field


def assigned_seqs(receipt: dict[str, Any]) -> list[int]:
    """The seqs given to the accepted events (consecutive: the tools never send seqs)."""
    first, last = receipt.get("first_seq"), receipt.get("last_seq")
    if first is None or last is None or not receipt.get("accepted"):
        return []
    return list(range(int(first), int(last) + 1))


class MemoryServer(MCPServer[Any]):
    """`MCPServer` whose argument-validation errors read `field: problem` on one line."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as err:
            if isinstance(err.__cause__, ValidationError):
                message = validation_message(err.__cause__)
                raise ToolError(f"Error executing tool {name}: {message}") from err.__cause__
            raise


# -- the server --------------------------------------------------------------------------
def build_server(backend: SessionMemory, name: str = "ssmem") -> MCPServer[Any]:
    """The MCP server over `backend`; run it with `.run("stdio")` or `.run("streamable-http")`.

    `backend` is used from worker threads (the SDK runs each tool call on one); both
    `LocalSessions` and `RemoteSessions` are thread-safe. The caller closes it.
    """
    server = MemoryServer(name, instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    reads = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
    writes = ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
    )

    def receipt(session: str, raw: dict[str, Any]) -> Receipt:
        return Receipt.model_validate({**raw, "session": session, "seqs": assigned_seqs(raw)})

    def read_context(session: str, query: str, budget: int | None) -> CallToolResult:
        ctx = call(lambda: backend.context(session, query, budget))
        out = ContextOut.model_validate({**ctx, "session": session, "query": query})
        shown = out.text or f"(nothing in memory for session {session!r} fits this budget yet)"
        return CallToolResult(
            content=[TextContent(type="text", text=shown)],
            structured_content=out.model_dump(mode="json"),
        )

    @server.tool(annotations=writes)
    def remember(
        session: SessionName,
        text: Annotated[str, Field(description="What to remember, verbatim.")],
        source: Annotated[str, Field(description="Who or what said it (optional).")] = "",
        ts: Annotated[
            float | None,
            Field(allow_inf_nan=False, description="When, in seconds since the epoch (optional)."),
        ] = None,
    ) -> Receipt:
        """Remember one event (a message, observation, decision, fact) in a memory session.

        Returns the receipt: `seqs` holds the seq the event was given; memory lines cite it
        as [#seq]. Events are kept in the order they are sent.
        """
        event: dict[str, Any] = {"text": text, "source": source}
        if ts is not None:
            event["ts"] = ts
        return receipt(session, call(lambda: backend.append(session, [event]), single_event))

    @server.tool(annotations=writes)
    def append_events(
        session: SessionName,
        events: Annotated[
            list[EventIn],
            Field(min_length=1, description="The events, oldest first."),
        ],
    ) -> Receipt:
        """Remember several events at once, oldest first (one batch: all or none are kept).

        Returns the receipt: `seqs` holds the seq each event was given, in order.
        """
        raw = [e.model_dump(exclude_none=True) for e in events]
        return receipt(session, call(lambda: backend.append(session, raw)))

    @server.tool(annotations=reads)
    def context(
        session: SessionName,
        query: Annotated[
            str,
            Field(max_length=10_000, description="The question or task the memory should serve."),
        ],
        budget: Budget = None,
    ) -> Annotated[CallToolResult, ContextOut]:
        """The memory relevant to `query`, within `budget` tokens, ready to read or quote.

        Each line is `[#seq] source: text`: current values first, constraints kept, with what
        they superseded noted. Cite the [#seq] of the lines you rely on.
        """
        return read_context(session, query, budget)

    @server.tool(annotations=reads)
    def memory(
        session: SessionName, budget: Budget = None
    ) -> Annotated[CallToolResult, ContextOut]:
        """Everything the session's memory holds that fits in `budget` tokens (no query)."""
        return read_context(session, "", budget)

    @server.tool(annotations=reads)
    def probe(
        session: SessionName,
        about: Annotated[
            str, Field(max_length=10_000, description="The subject: a name, a setting, a topic.")
        ],
        limit: Annotated[int, Field(ge=1, le=100, description="Most slots to return.")] = 5,
    ) -> ProbeOut:
        """What the memory holds about a subject: the most relevant slots, best first.

        Each slot has its current value (`text`, `seq`, `source`) and `history`: the values
        it superseded, oldest first, with why. Needs a system with slots (ssm, hybrid).
        """
        slots = call(lambda: backend.probe(session, about, limit))
        return ProbeOut.model_validate({"session": session, "about": about, "slots": slots})

    @server.tool(annotations=reads)
    def history(
        session: SessionName,
        seq: Annotated[int, Field(ge=0, description="The event's seq (the N of [#N]).")],
    ) -> HistoryOut:
        """The slot that holds or held event #seq: its current value and every value it
        superseded. An error when no slot does (the event was dropped as noise or evicted)."""
        slot = call(lambda: backend.history(session, seq))
        return HistoryOut.model_validate({"session": session, "seq": seq, "slot": slot})

    @server.tool(annotations=reads)
    def sessions() -> SessionsOut:
        """The memory sessions: name, system, number of events, last seq, default budget."""
        return SessionsOut.model_validate({"sessions": call(backend.sessions)})

    @server.resource(
        "ssmem://sessions",
        name="sessions",
        description="The memory sessions (JSON).",
        mime_type="application/json",
    )
    def sessions_resource() -> str:
        return json.dumps(resource_call(backend.sessions), indent=1)

    @server.resource(
        "ssmem://sessions/{session}/memory",
        name="session-memory",
        description="A session's memory, rendered as a reader sees it ([#seq] lines), within "
        "its default budget.",
        mime_type="text/plain",
        security=ResourceSecurity(exempt_params=frozenset({"session"})),  # a name, not a path
    )
    def memory_resource(session: str) -> str:
        return str(resource_call(lambda: backend.context(session, "", None))["text"])

    return server


def resource_call(fn: Callable[[], T]) -> T:
    """A backend call for a resource read: failures become `ResourceError`s (one line)."""
    try:
        return call(fn)
    except ToolError as err:
        raise ResourceError(str(err)) from None
