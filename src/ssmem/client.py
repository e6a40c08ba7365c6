"""`ssmem.Client`: a small synchronous client for the memory service (on httpx).

    client = Client("http://127.0.0.1:8080", api_key)
    sid = client.create_session(system="window")["id"]
    client.ingest(sid, [{"seq": 0, "text": "Budget is $7,200."}])
    print(client.memory(sid, budget=256, format="text"))

Every non-2xx reply raises `ServiceError` with the server's status, field and message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import httpx

from ssmem.events import Event


class ServiceError(Exception):
    """An error reply: `status` (HTTP), `code`, `field` (dotted path, may be None), `message`."""

    def __init__(self, status: int, code: str, message: str, field: str | None) -> None:
        where = f" [{field}]" if field else ""
        super().__init__(f"{status} {code}{where}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class Client:
    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        resp = self.http.request(method, path, **kw)
        if resp.status_code >= 400:
            try:
                err = resp.json()["error"]
                raise ServiceError(resp.status_code, err["code"], err["message"], err.get("field"))
            except (ValueError, KeyError, TypeError):
                raise ServiceError(resp.status_code, "error", resp.text[:200], None) from None
        return resp

    # -- sessions ------------------------------------------------------------------------
    def create_session(
        self, system: str = "window", name: str = "", budget: int | None = None
    ) -> dict[str, Any]:
        """A new session; `budget` is its default read budget (server default if None)."""
        body = {"system": system, "name": name, "budget": budget}
        return self._call("POST", "/v1/sessions", json=body).json()

    def sessions(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        params = {"limit": limit, "offset": offset}
        return self._call("GET", "/v1/sessions", params=params).json()["sessions"]

    def session(self, sid: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/sessions/{sid}").json()

    def delete_session(self, sid: str) -> None:
        self._call("DELETE", f"/v1/sessions/{sid}")

    # -- events --------------------------------------------------------------------------
    def ingest(
        self,
        sid: str,
        events: Iterable[Event | dict[str, Any]],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Send one batch; returns once it is committed (accepted / duplicates / head_seq)."""
        body = [e.to_dict() if isinstance(e, Event) else e for e in events]
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        path = f"/v1/sessions/{sid}/events"
        return self._call("POST", path, json={"events": body}, headers=headers).json()

    def events(self, sid: str, after: int = -1, limit: int = 1000) -> list[Event]:
        """One page of the committed log (seq > after)."""
        params = {"after": after, "limit": limit}
        page = self._call("GET", f"/v1/sessions/{sid}/events", params=params).json()
        return [Event(**e) for e in page["events"]]

    def iter_events(self, sid: str, after: int = -1) -> Iterator[Event]:
        while True:
            page = self.events(sid, after, 5000)
            yield from page
            if len(page) < 5000:
                return
            after = page[-1].seq

    # -- memory --------------------------------------------------------------------------
    def memory(
        self, sid: str, budget: int | None = None, query: str = "", format: str = "json"
    ) -> Any:
        """The memory rendering: a dict (format="json") or the exact text (format="text")."""
        params: dict[str, Any] = {"query": query, "format": format}
        if budget is not None:
            params["budget"] = budget
        resp = self._call("GET", f"/v1/sessions/{sid}/memory", params=params)
        return resp.text if format == "text" else resp.json()

    def context(self, sid: str, query: str, budget: int | None = None) -> dict[str, Any]:
        body = {"query": query, "budget": budget}
        return self._call("POST", f"/v1/sessions/{sid}/context", json=body).json()

    def probe(self, sid: str, about: str, limit: int = 5) -> list[dict[str, Any]]:
        """The slots the memory holds about `about`, best first, each with its history."""
        params = {"about": about, "limit": limit}
        return self._call("GET", f"/v1/sessions/{sid}/slots", params=params).json()["slots"]

    def history(self, sid: str, seq: int) -> dict[str, Any]:
        """The slot that holds or held event `seq`, with every value it superseded."""
        return self._call("GET", f"/v1/sessions/{sid}/history/{seq}").json()["slot"]

    def ground(self, sid: str) -> dict[str, Any]:
        """Re-ground the memory against the session's log now: counts of values checked,
        repaired and dropped, notes, and conflicts (two current values for one subject)."""
        return self._call("POST", f"/v1/sessions/{sid}/ground").json()

    # -- snapshots -----------------------------------------------------------------------
    def snapshots(self, sid: str) -> list[dict[str, Any]]:
        """The session's snapshots in the order taken. Ids are random integers (below 2**53):
        use them as opaque handles, never to order or count snapshots."""
        return self._call("GET", f"/v1/sessions/{sid}/snapshots").json()["snapshots"]

    def create_snapshot(self, sid: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/sessions/{sid}/snapshots").json()

    def snapshot(self, sid: str, snap_id: int) -> dict[str, Any]:
        return self._call("GET", f"/v1/sessions/{sid}/snapshots/{snap_id}").json()

    def snapshot_diff(self, sid: str, a: int, b: int) -> dict[str, Any]:
        params = {"from": a, "to": b}
        return self._call("GET", f"/v1/sessions/{sid}/snapshots/diff", params=params).json()

    # -- ops -----------------------------------------------------------------------------
    def health(self) -> bool:
        return self.http.get("/healthz").status_code == 200

    def ready(self) -> bool:
        return self.http.get("/readyz").status_code == 200

    def create_tenant(self, name: str, admin_key: str) -> str:
        """A new API key for tenant `name` (admin only)."""
        headers = {"Authorization": f"Bearer {admin_key}"}
        resp = self._call("POST", "/v1/admin/tenants", json={"name": name}, headers=headers)
        return resp.json()["api_key"]


__all__ = ["Client", "ServiceError"]
