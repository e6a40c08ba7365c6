"""Request limits: a per-tenant token bucket (429) and an ASGI guard on body size (413).

The size guard counts bytes as they arrive, so a client that lies in Content-Length (or sends
chunked data) is cut off at the limit without buffering more than it.
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from ssmem.service.errors import ApiError


class RateLimiter:
    """Token bucket per key: `rate` requests/s refill, at most `burst` in a row."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._buckets: dict[Any, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _tokens(self, key: Any, now: float) -> float:
        """The bucket's tokens now (the caller holds the lock)."""
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) * self.rate)

    def _refused(self, tokens: float, cost: float, message: str, field: str | None) -> ApiError:
        wait = math.ceil((cost - tokens) / self.rate)
        return ApiError(
            429, f"{message}; retry in {wait}s", field, headers={"Retry-After": str(wait)}
        )

    def check(self, key: Any, what: str, field: str | None = None) -> None:
        """Raise a 429 ("too many `what`") when the bucket is empty, spending nothing."""
        if self.rate <= 0:
            return
        with self._lock:
            tokens = self._tokens(key, time.monotonic())
        if tokens < 1.0:
            raise self._refused(tokens, 1.0, f"too many {what}", field)

    def take(self, key: Any, cost: float = 1.0) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens < cost:
                self._buckets[key] = (tokens, now)
                message = f"rate limit of {self.rate:g} requests/s exceeded"
                raise self._refused(tokens, cost, message, None)
            self._buckets[key] = (tokens - cost, now)


class BodyLimit:
    """ASGI middleware: HTTP bodies over `max_bytes` get a JSON 413 before any handler runs."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._reject(send, 400, "bad Content-Length header", "content-length")
                    return
                if declared > self.max_bytes:
                    await self._too_large(send, declared)
                    return
        seen = 0
        rejected = False

        async def guarded_receive() -> dict:
            # Over the limit: answer 413 ourselves, then tell the app the client left (the
            # app's own error reply is dropped below).
            nonlocal seen, rejected
            message = await receive()
            if message["type"] == "http.request" and not rejected:
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    rejected = True
                    await self._too_large(send, seen)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict) -> None:
            if not rejected:
                await send(message)

        await self.app(scope, guarded_receive, guarded_send)

    async def _too_large(self, send: Any, size: int) -> None:
        msg = f"request body of {size} bytes > max_request_bytes {self.max_bytes}"
        await self._reject(send, 413, msg, "body")

    async def _reject(self, send: Any, status: int, message: str, field: str) -> None:
        body = json.dumps(ApiError(status, message, field).body()).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
