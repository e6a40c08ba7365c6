"""WebSocket ingest: `/v1/sessions/{id}/stream`, one batch per message, one reply per batch.

Protocol (JSON text frames). After the handshake the server sends
``{"ready": true, "head_seq": N, "max_batch_events": B}``. The client sends
``{"id": <any>, "events": [...], "idempotency_key": "..."?}``; the server answers each message
in order with ``{"id", "ack": <IngestOut>}`` once the batch is committed, or
``{"id", "error": {...}}`` (nothing ingested). Backpressure: a message is read only after the
previous one is committed and acknowledged; unread frames wait in a bounded queue and then in
TCP buffers, so a fast producer blocks instead of growing server memory. Auth: the same
`Authorization: Bearer` header as HTTP, and the same throttling of unknown keys per client
address (429); failures close with code 1008 after an error frame.
"""

from __future__ import annotations

import json
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from ssmem.service.deps import Services, authenticate
from ssmem.service.errors import ApiError, check_text

router = APIRouter()


def _key_from_headers(ws: WebSocket) -> str | None:
    auth = ws.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return ws.headers.get("x-api-key")


def _parse(frame: dict[str, Any], max_bytes: int) -> tuple[Any, list[Any], str | None]:
    data = frame.get("text")
    if data is None:
        try:
            data = (frame.get("bytes") or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "message is not valid UTF-8", "message") from None
    if len(data.encode("utf-8", "surrogatepass")) > max_bytes:
        raise ApiError(413, f"message over max_request_bytes {max_bytes}", "message")
    try:
        msg = json.loads(data)
    except (json.JSONDecodeError, RecursionError) as err:
        raise ApiError(400, f"invalid JSON: {err}", "message") from None
    if not isinstance(msg, dict):
        raise ApiError(422, "expected a JSON object", "message")
    events = msg.get("events")
    if not isinstance(events, list):
        raise ApiError(422, "expected a list of events", "events")
    key = msg.get("idempotency_key")
    if key is not None:
        if not isinstance(key, str) or not key:
            raise ApiError(422, "expected a non-empty string", "idempotency_key")
        check_text(key, "idempotency_key")
    return msg.get("id"), events, key


@router.websocket("/v1/sessions/{session_id}/stream")
async def stream(ws: WebSocket, session_id: str) -> None:
    svc: Services = ws.app.state.services
    await ws.accept()
    try:
        tid = (await authenticate(svc, _key_from_headers(ws), ws.client)).id
        row = await to_thread.run_sync(svc.manager.row, tid, session_id[:65])
    except ApiError as err:
        await ws.send_json(err.body())
        await ws.close(code=1008)
        return
    await ws.send_json(
        {
            "ready": True,
            "session_id": row.id,
            "head_seq": row.last_seq,
            "max_batch_events": svc.settings.lim.max_batch_events,
        }
    )
    try:
        while True:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                return
            msg_id: Any = None
            try:
                msg_id, events, key = _parse(frame, svc.settings.lim.max_request_bytes)
                await to_thread.run_sync(svc.limiter.take, tid)
                ack = await to_thread.run_sync(
                    svc.manager.ingest, tid, session_id, events, key, "websocket"
                )
                await ws.send_json({"id": msg_id, "ack": ack})
            except ApiError as err:
                svc.metrics.rejected.labels(str(err.status)).inc()
                await ws.send_json({"id": msg_id, **err.body()})
    except WebSocketDisconnect:
        return
