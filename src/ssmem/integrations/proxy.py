"""`ssmem proxy`: an OpenAI-compatible `/v1/chat/completions` that sends memory, not history.

Point any OpenAI client at it (`OPENAI_BASE_URL=http://127.0.0.1:PORT/v1`). Per request:

1. The conversation is named by the `X-Ssmem-Session` header, else the body's `user` field,
   else `ProxyConfig.default_session`.
2. Its new messages (`conversation.overlap`: the ones not stored yet) are appended to that
   memory session as events, under the conversation's lock, in order.
3. The upstream model receives the client's system messages, the memory's context for the
   last user message within `budget` tokens, and the last `recent` messages verbatim.
4. The reply, streamed through chunk by chunk or returned whole, is appended too before the
   client sees the end of it (before `[DONE]`), so the next turn always finds it.

Accounting, counted with the memory's token counter (`ssmem.tokens.default_counter`, the
budget's unit): `X-Ssmem-Prompt-Tokens` (what went upstream), `X-Ssmem-History-Tokens`
(the client's system messages plus every stored turn: what sending the full history would
cost), `X-Ssmem-Saved-Tokens` (their difference, negative while the conversation is short),
`X-Ssmem-Memory-Seqs` (the events the memory notes show, for provenance),
`X-Ssmem-Overhead-Ms` (the proxy's own time before the upstream call; for whole replies,
plus storing the reply), and the same totals in `/metrics` (Prometheus). Errors are in
OpenAI's shape (`{"error": {"message", "type", "param"}}`); an upstream's refusal is passed
back with its status and body unchanged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from ssmem.client import ServiceError
from ssmem.context import Line
from ssmem.integrations.conversation import (
    ChatRequest,
    RequestError,
    Turn,
    digest,
    overlap,
    text_of,
    upstream_messages,
)
from ssmem.integrations.notes import context_lines, render_notes
from ssmem.integrations.sessions import SessionMemory
from ssmem.integrations.upstream import DONE, Upstream, UpstreamError
from ssmem.tokens import TokenCounter, default_counter

SESSION_HEADER = "x-ssmem-session"


@dataclass
class ProxyConfig:
    budget: int = 512  # memory context tokens per request
    recent: int = 4  # conversation messages passed verbatim (the new one included)
    default_session: str = "default"  # when neither the header nor `user` names one
    model: str = ""  # replaces the request's `model` when set (e.g. the local model's name)


@dataclass
class Conversation:
    """What the proxy knows of one session: its stored turns' digests and their tokens."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    digests: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)  # the stored turns' events, in order
    history_tokens: int = 0
    loaded: bool = False


class ProxyMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("ssmem_proxy_requests", "Chat requests", ["stream"], registry=r)
        self.sent = Counter("ssmem_proxy_prompt_tokens", "Prompt tokens sent upstream", registry=r)
        self.history = Counter(
            "ssmem_proxy_history_tokens", "Tokens the full history would have cost", registry=r
        )
        self.saved = Counter("ssmem_proxy_saved_tokens", "History tokens not sent", registry=r)
        self.stored = Counter("ssmem_proxy_turns_stored", "Messages appended to memory", registry=r)
        self.overhead = Histogram(
            "ssmem_proxy_overhead_seconds",
            "Proxy time per request, the upstream excluded",
            buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=r,
        )


def _error(status: int, message: str, param: str | None = None, kind: str = "") -> JSONResponse:
    kind = kind or ("invalid_request_error" if status < 500 else "server_error")
    return JSONResponse({"error": {"message": message, "type": kind, "param": param}}, status)


class Proxy:
    """The proxy's state: memory sessions, the upstream, per-conversation bookkeeping."""

    def __init__(
        self,
        memory: SessionMemory,
        upstream: Upstream,
        config: ProxyConfig | None = None,
        counter: TokenCounter | None = None,
    ) -> None:
        self.memory = memory
        self.upstream = upstream
        self.config = config or ProxyConfig()
        self.counter = counter or default_counter()
        self.metrics = ProxyMetrics()
        self._conversations: dict[str, Conversation] = {}
        self._lock = threading.Lock()

    def conversation(self, name: str) -> Conversation:
        with self._lock:
            return self._conversations.setdefault(name, Conversation())

    def load(self, name: str, conv: Conversation) -> None:
        """Digests of the turns a previous proxy process stored (from the session's log)."""
        after = -1
        while True:
            page = self.memory.events(name, after, 1000)
            for ev in page:
                meta = ev.get("meta") or {}
                role = meta.get("role")
                if isinstance(role, str) and "proxy_digest" in meta:
                    conv.digests.append(digest(role, ev["text"]))
                    conv.seqs.append(ev["seq"])
                    conv.history_tokens += self.counter.count(ev["text"])
            if len(page) < 1000:
                break
            after = page[-1]["seq"]
        conv.loaded = True

    def store(self, name: str, conv: Conversation, turns: list[Turn]) -> None:
        """Append `turns` (already known to be new) and remember them. Caller holds the lock."""
        if not turns:
            return
        receipt = self.memory.append(name, [t.event() for t in turns])
        conv.digests.extend(t.digest for t in turns)
        conv.seqs.extend(range(receipt["first_seq"], receipt["last_seq"] + 1))
        conv.history_tokens += sum(self.counter.count(t.text) for t in turns)
        self.metrics.stored.inc(len(turns))

    def notes(self, ctx: dict[str, Any], conv: Conversation, recent_turns: int) -> list[Line]:
        """The memory context less what the last `recent_turns` stored turns (passed
        verbatim) already show (`notes.context_lines`)."""
        recent = conv.seqs[len(conv.seqs) - recent_turns :] if recent_turns else []
        return context_lines(ctx, recent)

    def tokens(self, messages: list[dict[str, Any]]) -> int:
        return sum(self.counter.count(text_of(m)) for m in messages)


def create_proxy_app(proxy: Proxy) -> FastAPI:
    app = FastAPI(title="ssmem proxy", description="OpenAI-compatible chat with ssmem memory.")
    cfg = proxy.config

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0] if err.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return _error(400, str(first.get("msg", "invalid request")), where)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(proxy.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        name = cfg.model or proxy.upstream.name
        return {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "ssmem"}]}

    @app.post("/v1/chat/completions", response_model=None)
    def chat(body: dict[str, Any], request: Request) -> Response:
        t0 = time.perf_counter()
        name = request.headers.get(SESSION_HEADER) or body.get("user") or cfg.default_session
        if not isinstance(name, str):
            return _error(400, "expected a string", "user")
        try:
            chat_req = ChatRequest.parse(body.get("messages"))
        except RequestError as err:
            return _error(400, err.message, err.param)
        stream = bool(body.get("stream"))
        conv = proxy.conversation(name)
        try:
            with conv.lock:
                if not conv.loaded:
                    proxy.load(name, conv)
                k = overlap(conv.digests, [t.digest for t in chat_req.turns])
                proxy.store(name, conv, chat_req.turns[k:])
                history = conv.history_tokens + proxy.tokens(chat_req.system)
                ctx = proxy.memory.context(name, chat_req.query, cfg.budget)
                notes = proxy.notes(ctx, conv, chat_req.recent_turns(cfg.recent))
        except ServiceError as err:
            param = "user" if err.field == "session" else err.field
            return _error(400 if err.status < 500 else 502, err.message, param)
        messages = upstream_messages(chat_req, render_notes(notes), cfg.recent)
        sent = proxy.tokens(messages)
        shown = {q for line in notes for q in line.provenance()}
        up_body = {**body, "messages": messages}
        if cfg.model:
            up_body["model"] = cfg.model
        proxy.metrics.requests.labels(str(stream).lower()).inc()
        proxy.metrics.sent.inc(sent)
        proxy.metrics.history.inc(history)
        proxy.metrics.saved.inc(max(0, history - sent))
        headers = {
            "X-Ssmem-Session": name.encode("ascii", "replace").decode()[:200],
            "X-Ssmem-Prompt-Tokens": str(sent),
            "X-Ssmem-History-Tokens": str(history),
            "X-Ssmem-Saved-Tokens": str(history - sent),
            "X-Ssmem-Memory-Seqs": ",".join(str(q) for q in sorted(shown))[:4000],
        }
        before = time.perf_counter() - t0

        def reply_turn(text: str) -> list[Turn]:
            return [Turn(-1, "assistant", "assistant", text, digest("assistant", text))]

        if not stream:
            try:
                out = proxy.upstream.complete(up_body)
            except UpstreamError as err:
                return Response(err.body, err.status, media_type=err.content_type)
            t_after = time.perf_counter()
            text = _reply_text(out)
            if text.strip():
                with conv.lock:
                    proxy.store(name, conv, reply_turn(text))
            overhead = before + (time.perf_counter() - t_after)
            proxy.metrics.overhead.observe(overhead)
            headers["X-Ssmem-Overhead-Ms"] = f"{overhead * 1000:.1f}"
            return JSONResponse(out, headers=headers)

        lines = proxy.upstream.stream(up_body)
        try:
            first = next(lines)
        except UpstreamError as err:
            return Response(err.body, err.status, media_type=err.content_type)
        except StopIteration:
            first = DONE
        proxy.metrics.overhead.observe(before)
        headers["X-Ssmem-Overhead-Ms"] = f"{before * 1000:.1f}"

        def relay() -> Iterator[str]:
            parts: list[str] = []
            stored = False

            def finish() -> None:
                nonlocal stored
                text = "".join(parts)
                if not stored and text.strip():
                    with conv.lock:
                        proxy.store(name, conv, reply_turn(text))
                stored = True

            try:
                for line in _chain(first, lines):
                    if line.strip() == DONE:
                        finish()  # stored before the client sees the end of the reply
                    else:
                        parts.append(_delta_text(line))
                    yield line + "\n\n"
            finally:
                finish()

        return StreamingResponse(relay(), media_type="text/event-stream", headers=headers)

    return app


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _reply_text(out: dict[str, Any]) -> str:
    try:
        content = out["choices"][0]["message"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    return content if isinstance(content, str) else ""


def _delta_text(line: str) -> str:
    """The content a `data: {...}` chunk adds ("" for anything else)."""
    if not line.startswith("data:"):
        return ""
    try:
        chunk = json.loads(line[5:])
        content = chunk["choices"][0]["delta"].get("content")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""
    return content if isinstance(content, str) else ""
