"""`/v1/sessions`: create, list, get, delete; batch ingest and reading the raw log back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from ssmem.service.deps import Caller, Svc
from ssmem.service.errors import ApiError, check_text
from ssmem.service.eventlog import event_from_body
from ssmem.service.schemas import (
    ErrorOut,
    EventBatch,
    EventPage,
    IngestOut,
    SessionCreate,
    SessionList,
    SessionOut,
)
from ssmem.service.store import SessionRow

ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 404, 409, 413, 422, 429)}
router = APIRouter(prefix="/v1/sessions", tags=["sessions"], responses=ERRORS)
SessionId = Annotated[str, Path(max_length=64, description="Session id (from create).")]


def session_out(row: SessionRow) -> SessionOut:
    return SessionOut(
        id=row.id,
        name=row.name,
        system=row.system,
        created=row.created,
        events=row.n_events,
        last_seq=row.last_seq if row.last_seq >= 0 else None,
        budget=row.budget,
        chain=row.chain,
    )


@router.post("", status_code=201, response_model=SessionOut)
def create_session(body: SessionCreate, svc: Svc, caller: Caller) -> SessionOut:
    check_text(body.name, "name")
    check_text(body.system, "system")
    if body.budget is not None and body.budget > svc.settings.lim.max_budget:
        raise ApiError(422, f"budget > max_budget {svc.settings.lim.max_budget}", "budget")
    return session_out(svc.manager.create(caller.id, body.name, body.system, body.budget))


@router.get("", response_model=SessionList)
def list_sessions(
    svc: Svc,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1 << 40)] = 0,
) -> SessionList:
    rows = svc.store.list_sessions(caller.id, limit, offset)
    return SessionList(sessions=[session_out(r) for r in rows], limit=limit, offset=offset)


@router.get("/{session_id}", response_model=SessionOut)
def get_session(session_id: SessionId, svc: Svc, caller: Caller) -> SessionOut:
    return session_out(svc.manager.row(caller.id, session_id))


@router.delete("/{session_id}", status_code=204, response_class=Response)
def delete_session(session_id: SessionId, svc: Svc, caller: Caller) -> Response:
    svc.manager.delete(caller.id, session_id)
    return Response(status_code=204)


@router.post("/{session_id}/events", response_model=IngestOut)
def ingest(
    session_id: SessionId,
    body: EventBatch,
    svc: Svc,
    caller: Caller,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> IngestOut:
    """Commit a batch atomically, then answer: a 200 means every event is on disk."""
    key = idempotency_key or body.idempotency_key
    if key is not None:
        check_text(key, "idempotency_key")
    out = svc.manager.ingest(caller.id, session_id, body.events, key, "http")
    return IngestOut(**out)


@router.get("/{session_id}/events", response_model=EventPage)
def list_events(
    session_id: SessionId,
    svc: Svc,
    caller: Caller,
    after: Annotated[int, Query(ge=-1, le=1 << 62, description="Return seqs > after.")] = -1,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> EventPage:
    """The committed raw log (the source of truth), in seq order."""
    svc.manager.row(caller.id, session_id)
    rows = svc.store.events(session_id, after, limit)
    events = [event_from_body(r.body).to_dict() for r in rows]
    return EventPage(events=events, next_after=rows[-1].seq if len(rows) == limit else None)
