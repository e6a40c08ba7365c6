"""`/v1/sessions/{id}/snapshots`: list, create, get, and the diff between two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ssmem.service import snapshots
from ssmem.service.deps import Caller, Svc
from ssmem.service.errors import not_found
from ssmem.service.routes_sessions import ERRORS, SessionId
from ssmem.service.schemas import SnapshotDiff, SnapshotList, SnapshotOut
from ssmem.service.store import MAX_SNAPSHOT_ID, SnapshotRow

router = APIRouter(prefix="/v1/sessions", tags=["snapshots"], responses=ERRORS)
SnapId = Annotated[int, Path(ge=1, le=MAX_SNAPSHOT_ID)]


def _get(svc: Svc, caller: Caller, sid: str, snap_id: int, field: str) -> SnapshotRow:
    svc.manager.row(caller.id, sid)
    snap = svc.store.snapshot(sid, snap_id)
    if snap is None:
        raise not_found("snapshot", field)
    return snap


@router.get("/{session_id}/snapshots", response_model=SnapshotList)
def list_snapshots(session_id: SessionId, svc: Svc, caller: Caller) -> SnapshotList:
    svc.manager.row(caller.id, session_id)
    rows = svc.store.snapshots(session_id)
    return SnapshotList(snapshots=[SnapshotOut(**snapshots.describe(r)) for r in rows])


@router.post("/{session_id}/snapshots", status_code=201, response_model=SnapshotOut)
def create_snapshot(session_id: SessionId, svc: Svc, caller: Caller) -> SnapshotOut:
    snap = svc.manager.snapshot(caller.id, session_id)
    return SnapshotOut(**snapshots.describe(snap))


@router.get("/{session_id}/snapshots/diff", response_model=SnapshotDiff)
def diff_snapshots(
    session_id: SessionId,
    svc: Svc,
    caller: Caller,
    from_: Annotated[int, Query(alias="from", ge=1, le=MAX_SNAPSHOT_ID)],
    to: Annotated[int, Query(ge=1, le=MAX_SNAPSHOT_ID)],
) -> SnapshotDiff:
    a = _get(svc, caller, session_id, from_, "from")
    b = _get(svc, caller, session_id, to, "to")
    return SnapshotDiff(**snapshots.diff(a, b))


@router.get("/{session_id}/snapshots/{snapshot_id}", response_model=SnapshotOut)
def get_snapshot(session_id: SessionId, snapshot_id: SnapId, svc: Svc, caller: Caller):
    return SnapshotOut(**snapshots.describe(_get(svc, caller, session_id, snapshot_id, "id")))
