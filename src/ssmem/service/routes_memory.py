"""Reading memory: a rendering at a budget (text or JSON), the context for a query, answers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from ssmem.service.deps import Caller, Svc
from ssmem.service.errors import ApiError, check_text
from ssmem.service.routes_sessions import ERRORS, SessionId
from ssmem.service.schemas import (
    NO_NUL,
    AnswerOut,
    ContextOut,
    ContextRequest,
    ErrorOut,
    GroundOut,
    ProbeOut,
    SlotOut,
)

router = APIRouter(prefix="/v1/sessions", tags=["memory"], responses=ERRORS)
answer_router = APIRouter(
    prefix="/v1/sessions",
    tags=["memory"],
    responses={**ERRORS, 409: {"model": ErrorOut}, 502: {"model": ErrorOut}},
)
NO_BACKEND = (
    "this server has no LLM backend, so it cannot answer: start it with --llm-backend local "
    "(or SSMEM_LLM_BACKEND), or build the prompt with POST /v1/sessions/{id}/context and "
    "ask your own model"
)


def _budget(svc: Svc, caller: Caller, sid: str, budget: int | None) -> int:
    """The request's budget, else the session's, else the server default."""
    if budget is None:
        budget = svc.manager.row(caller.id, sid).budget
    b = svc.settings.default_budget if budget is None else budget
    if b > svc.settings.lim.max_budget:
        raise ApiError(422, f"budget {b} > max_budget {svc.settings.lim.max_budget}", "budget")
    return b


def _context(svc: Svc, caller: Caller, sid: str, query: str, budget: int | None) -> ContextOut:
    check_text(query, "query", 10_000)
    ctx, stats = svc.manager.context(caller.id, sid, query, _budget(svc, caller, sid, budget))
    return ContextOut(**ctx.to_dict(), text=ctx.render(), stats=stats)


@router.get(
    "/{session_id}/memory",
    response_model=ContextOut,
    responses={200: {"content": {"text/plain": {}}}},
)
def memory(
    session_id: SessionId,
    svc: Svc,
    caller: Caller,
    budget: Annotated[int | None, Query(ge=0)] = None,
    query: Annotated[str, Query(max_length=10_000, pattern=NO_NUL)] = "",
    format: Annotated[Literal["json", "text"], Query()] = "json",
) -> ContextOut | PlainTextResponse:
    """Memory rendered within `budget` tokens. `format=text` returns exactly what a reader sees."""
    out = _context(svc, caller, session_id, query, budget)
    if format == "text":
        return PlainTextResponse(out.text)
    return out


@router.get("/{session_id}/slots", response_model=ProbeOut)
def slots(
    session_id: SessionId,
    svc: Svc,
    caller: Caller,
    about: Annotated[str, Query(max_length=10_000, pattern=NO_NUL)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 5,
) -> ProbeOut:
    """What the memory holds about `about`: the most relevant slots, each with its current
    value and every value it replaced. 409 when the session's system keeps no slots."""
    check_text(about, "about", 10_000)
    return ProbeOut(about=about, slots=svc.manager.probe(caller.id, session_id, about, limit))


@router.get("/{session_id}/history/{seq}", response_model=SlotOut)
def history(
    session_id: SessionId,
    svc: Svc,
    caller: Caller,
    seq: Annotated[int, Path(ge=0, le=(1 << 53) - 1)],
) -> SlotOut:
    """The slot that holds or held event `seq`: its current value and what it superseded.
    404 when no slot does; 409 when the session's system keeps no slots."""
    return SlotOut(slot=svc.manager.history(caller.id, session_id, seq))


@router.post("/{session_id}/ground", response_model=GroundOut)
def ground(session_id: SessionId, svc: Svc, caller: Caller) -> GroundOut:
    """Check the memory against the session's hash-chained log now: every value it quotes
    (slots' current and superseded values, subjects, the recent window) is compared with the
    logged event; a mismatch is rewritten from the log, or dropped when the log does not back
    it. Also lists conflicts: current slots that give two values for one subject. The server
    runs the same pass every `ground_every` events and after loading a snapshot. 409 when
    the session's system keeps nothing to check."""
    return GroundOut(**svc.manager.ground(caller.id, session_id))


@router.post("/{session_id}/context", response_model=ContextOut)
def context(session_id: SessionId, body: ContextRequest, svc: Svc, caller: Caller) -> ContextOut:
    """The context the session's memory system builds for `query` under `budget` tokens."""
    return _context(svc, caller, session_id, body.query, body.budget)


@answer_router.post("/{session_id}/answer", response_model=AnswerOut)
def answer(session_id: SessionId, body: ContextRequest, svc: Svc, caller: Caller) -> AnswerOut:
    """An answer with citations (`[#seq]` of the events it rests on) from the configured
    reader over the session's memory, with the prompt built under `budget` reader tokens.
    409 when the server has no LLM backend (after the session check: another tenant's
    session stays a 404)."""
    if not svc.settings.llm_backend:
        svc.manager.row(caller.id, session_id)
        raise ApiError(409, NO_BACKEND)
    check_text(body.query, "query", 10_000)
    if not body.query.strip():
        raise ApiError(422, "a question is required", "query")
    budget = _budget(svc, caller, session_id, body.budget)
    return AnswerOut(**svc.manager.answer(caller.id, session_id, body.query, budget, svc.reader))
