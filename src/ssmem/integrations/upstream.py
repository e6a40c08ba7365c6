"""The model behind the proxy: any OpenAI-compatible server, or a packaged local model.

Both take an OpenAI chat-completions body and give back either the completion (a dict in
the OpenAI shape) or, for `stream: true`, the server-sent-event lines (`data: {...}`,
ending with `data: [DONE]`). An upstream that refuses a request raises `UpstreamError`
with its status and body, which the proxy passes back to the client unchanged.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any, Protocol

import httpx

DONE = "data: [DONE]"


class UpstreamError(Exception):
    def __init__(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        super().__init__(f"upstream answered {status}")
        self.status = status
        self.body = body
        self.content_type = content_type


class Upstream(Protocol):
    name: str

    def complete(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def stream(self, body: dict[str, Any]) -> Iterator[str]:
        """SSE lines without their trailing blank line; the first call to `next` raises
        `UpstreamError` if the upstream refused."""
        ...

    def close(self) -> None: ...


class HttpUpstream:
    """An OpenAI-compatible server at `base_url` (ending in /v1), with an optional key."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 600.0):
        self.name = base_url
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = self.http.post("/chat/completions", json=body)
        except httpx.HTTPError as err:
            raise UpstreamError(502, _error(f"upstream {self.name} unreachable: {err}")) from None
        if resp.status_code != 200:
            ctype = resp.headers.get("content-type", "application/json")
            raise UpstreamError(resp.status_code, resp.content, ctype)
        return resp.json()

    def stream(self, body: dict[str, Any]) -> Iterator[str]:
        try:
            req = self.http.build_request("POST", "/chat/completions", json=body)
            resp = self.http.send(req, stream=True)
        except httpx.HTTPError as err:
            raise UpstreamError(502, _error(f"upstream {self.name} unreachable: {err}")) from None
        try:
            if resp.status_code != 200:
                ctype = resp.headers.get("content-type", "application/json")
                raise UpstreamError(resp.status_code, resp.read(), ctype)
            for line in resp.iter_lines():
                if line:
                    yield line
        finally:
            resp.close()

    def close(self) -> None:
        self.http.close()


class LocalUpstream:
    """A packaged GGUF model (`ssmem.llm.models`) run in-process by llama.cpp; one request
    at a time (the model is one shared context)."""

    def __init__(self, model: str, n_ctx: int = 4096, threads: int = 1) -> None:
        from llama_cpp import Llama

        from ssmem.llm.models import model_path

        self.name = model
        self.llama = Llama(
            str(model_path(model)),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            seed=0,
            verbose=False,
        )
        self.lock = threading.Lock()

    def _args(self, body: dict[str, Any]) -> dict[str, Any]:
        keep = ("max_tokens", "temperature", "top_p", "stop", "seed", "presence_penalty")
        args = {k: body[k] for k in keep if body.get(k) is not None}
        if body.get("max_completion_tokens") is not None and "max_tokens" not in args:
            args["max_tokens"] = body["max_completion_tokens"]
        return {"messages": body["messages"], **args}

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.llama.reset()
            try:
                return dict(self.llama.create_chat_completion(**self._args(body)))  # type: ignore[arg-type]
            except ValueError as err:  # the prompt does not fit the context
                raise UpstreamError(400, _error(str(err))) from None

    def stream(self, body: dict[str, Any]) -> Iterator[str]:
        with self.lock:
            self.llama.reset()
            try:
                chunks = self.llama.create_chat_completion(**self._args(body), stream=True)  # type: ignore[arg-type]
                for chunk in chunks:
                    yield "data: " + json.dumps(chunk, ensure_ascii=False)
            except ValueError as err:
                raise UpstreamError(400, _error(str(err))) from None
        yield DONE

    def close(self) -> None:
        self.llama.close()


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "upstream_error"}}).encode()
