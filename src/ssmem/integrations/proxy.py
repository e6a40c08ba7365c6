"""`ssmem proxy`: an OpenAI-compatible `/v1/chat/completions` that sends memory, not history.

Point any OpenAI client at it (`OPENAI_BASE_URL=http://127.0.0.1:PORT/v1`). Per request:

1. The conversation is named by the `X-Ssmem-Session` header, else the body's `user` field,
   else `ProxyConfig.default_session`.
2. Its new messages (`conversation.overlap`: the ones not stored yet) are appended to that
   memory session as events, in order.
3. The upstream model receives the client's system messages, the memory's context for the
   last user message within `budget` tokens, and the last `recent` messages verbatim.
4. The reply is streamed through chunk by chunk, or returned whole, and appended too.

Writes behind: new messages the upstream sees verbatim, and the reply, are stored in the
background (while the upstream works, and after the response), not on the request's path.
Every request of a conversation first waits for that conversation's pending writes, so it
always reads memory with every earlier turn in it, and turns are stored in order. A write
that fails (or a proxy killed before it finished) loses nothing the client keeps: those
turns are not marked stored, and the next request, which resends them, stores them.

Accounting, counted with the memory's token counter (`ssmem.tokens.default_counter`, the
budget's unit): `X-Ssmem-Prompt-Tokens` (what went upstream), `X-Ssmem-History-Tokens`
(the client's system messages plus every stored turn: what sending the full history would
cost), `X-Ssmem-Saved-Tokens` (their difference, negative while the conversation is short),
`X-Ssmem-Memory-Seqs` (the events the memory notes show, for provenance),
`X-Ssmem-Overhead-Ms` (the proxy's own time before the upstream call; for whole replies,
plus storing the reply), `X-Ssmem-Upstream-Ms` (whole replies: the upstream call), and
the same totals in `/metrics` (Prometheus). Errors are in OpenAI's shape
(`{"error": {"message", "type", "param"}}`); an upstream's refusal is passed back with its
status and body unchanged.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import FastAPI, Request
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
from ssmem.events import Event
from ssmem.integrations.conversation import (
    ChatRequest,
    RequestError,
    Turn,
    digest,
    overlap,
    tail_start,
    text_of,
    upstream_messages,
)
from ssmem.integrations.notes import context_lines, render_notes
from ssmem.integrations.sessions import LocalSessions, SessionMemory
from ssmem.integrations.upstream import DONE, Upstream, UpstreamError
from ssmem.systems import make_system
from ssmem.tokens import TokenCounter, default_counter

SESSION_HEADER = "x-ssmem-session"
log = logging.getLogger("ssmem.proxy")


@dataclass
class ProxyConfig:
    budget: int = 512  # memory context tokens per request
    recent: int = 4  # conversation messages passed verbatim (the new one included)
    default_session: str = "default"  # when neither the header nor `user` names one
    model: str = ""  # replaces the request's `model` when set (e.g. the local model's name)


@dataclass
class Conversation:
    """What the proxy knows of one session: its stored turns (digests, seqs, tokens) and the
    write still running for it (`pending`: every later read waits for it first)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    digests: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)  # the stored turns' events, in order
    history_tokens: int = 0
    loaded: bool = False
    pending: Future[None] | None = None


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
        self.write_errors = Counter(
            "ssmem_proxy_write_errors", "Writes behind that failed (retried next turn)", registry=r
        )
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
        self._writer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ssmem-proxy-write")

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

    def settle(self, conv: Conversation) -> None:
        """Wait for the conversation's write behind (its failure was logged and counted;
        the turns it did not store are not in `digests`, so the next request stores them)."""
        pending, conv.pending = conv.pending, None
        if pending is not None:
            pending.exception()

    def behind(self, name: str, conv: Conversation, turns: list[Turn]) -> None:
        """Store `turns` in the background, after any write already pending for `conv`."""
        if not turns:
            return
        before = conv.pending

        def write() -> None:
            if before is not None:
                before.exception()
            try:
                self.store(name, conv, turns)
            except Exception:
                self.metrics.write_errors.inc()
                log.exception("proxy: storing %d turn(s) of %r failed", len(turns), name)
                raise

        conv.pending = self._writer.submit(write)

    def store(self, name: str, conv: Conversation, turns: list[Turn]) -> None:
        """Append `turns` (already known to be new) and remember them."""
        if not turns:
            return
        receipt = self.memory.append(name, [t.event() for t in turns])
        conv.digests.extend(t.digest for t in turns)
        conv.seqs.extend(range(receipt["first_seq"], receipt["last_seq"] + 1))
        conv.history_tokens += sum(self.counter.count(t.text) for t in turns)
        self.metrics.stored.inc(len(turns))

    def notes(self, ctx: dict[str, Any], conv: Conversation, stored_recent: int) -> list[Line]:
        """The memory context less what the last `stored_recent` stored turns (passed
        verbatim) already show (`notes.context_lines`)."""
        recent = conv.seqs[len(conv.seqs) - stored_recent :] if stored_recent > 0 else []
        return context_lines(ctx, recent)

    def warm_up(self) -> None:
        """Load what the first requests would otherwise load: the token counter and, for a
        local memory, the system's models (a throwaway write and read of that system) and
        the MiniLM encoder its retrieval loads only when it first fires."""
        self.counter.count("warm up")
        if isinstance(self.memory, LocalSessions) and self.memory.system != "window":
            from ssmem.encoders.minilm import shared_encoder

            scratch = make_system(self.memory.system)
            scratch.ingest([Event(0, "warm up")])
            scratch.context("warm up", 64)
            shared_encoder().encode(["warm up"])

    def close(self) -> None:
        """Finish every write behind."""
        self._writer.shutdown(wait=True)

    def tokens(self, messages: list[dict[str, Any]]) -> int:
        return sum(self.counter.count(text_of(m)) for m in messages)


def create_proxy_app(proxy: Proxy) -> FastAPI:
    app = FastAPI(title="ssmem proxy", description="OpenAI-compatible chat with ssmem memory.")
    cfg = proxy.config

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
    async def chat_endpoint(request: Request) -> Response:
        """Reads and parses the body on the proxy's clock, then works in a thread."""
        t0 = time.perf_counter()
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "the request body is not valid JSON", "body")
        if not isinstance(body, dict):
            return _error(400, "expected a JSON object", "body")
        return await anyio.to_thread.run_sync(chat, body, request.headers, t0)

    def chat(body: dict[str, Any], headers_in: Any, t0: float) -> Response:
        name = headers_in.get(SESSION_HEADER) or body.get("user") or cfg.default_session
        if not isinstance(name, str):
            return _error(400, "expected a string", "user")
        try:
            chat_req = ChatRequest.parse(body.get("messages"))
        except RequestError as err:
            return _error(400, err.message, err.param)
        stream = bool(body.get("stream"))
        conv = proxy.conversation(name)
        recent_from = tail_start(chat_req.conversation, cfg.recent)
        try:
            with conv.lock:
                proxy.settle(conv)
                if not conv.loaded:
                    proxy.load(name, conv)
                k = overlap(conv.digests, [t.digest for t in chat_req.turns])
                new = chat_req.turns[k:]
                # New turns the upstream sees verbatim are stored behind the upstream call;
                # older ones (a client's first request with a history) before the read.
                later = [t for t in new if t.pos >= recent_from]
                proxy.store(name, conv, [t for t in new if t.pos < recent_from])
                history = conv.history_tokens + proxy.tokens(chat_req.system)
                history += sum(proxy.counter.count(t.text) for t in later)
                ctx = proxy.memory.context(name, chat_req.query, cfg.budget)
                shown_turns = sum(1 for t in chat_req.turns if t.pos >= recent_from)
                notes = proxy.notes(ctx, conv, shown_turns - len(later))
                proxy.behind(name, conv, later)
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
            t_up = time.perf_counter()
            try:
                out = proxy.upstream.complete(up_body)
            except UpstreamError as err:
                return Response(err.body, err.status, media_type=err.content_type)
            t_after = time.perf_counter()
            headers["X-Ssmem-Upstream-Ms"] = f"{(t_after - t_up) * 1000:.1f}"
            text = _reply_text(out)
            if text.strip():
                with conv.lock:
                    proxy.behind(name, conv, reply_turn(text))
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

            try:
                for line in _chain(first, lines):
                    if line.strip() != DONE:
                        parts.append(_delta_text(line))
                    yield line + "\n\n"
            finally:  # also when the client went away: store what it was sent
                text = "".join(parts)
                if text.strip():
                    with conv.lock:
                        proxy.behind(name, conv, reply_turn(text))

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
