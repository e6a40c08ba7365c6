"""Any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, hosted) through the
official `openai` client: timeouts, retries with exponential backoff, one-line errors.

Configuration comes from options or the environment: `SSMEM_OPENAI_BASE_URL`,
`SSMEM_OPENAI_MODEL`, `OPENAI_API_KEY`, and `SSMEM_OPENAI_TOKENIZER` (a local registry model
whose tokenizer counts budgets; without it the project's default counter is used, which is
only an estimate of a remote model's tokens).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ssmem.llm.base import BackendError, Completion, Message, check_messages
from ssmem.tokens import TokenCounter, default_counter


@dataclass
class OpenAIConfig:
    base_url: str | None = None  # e.g. http://127.0.0.1:8000/v1; env SSMEM_OPENAI_BASE_URL
    model: str | None = None  # env SSMEM_OPENAI_MODEL
    api_key: str | None = None  # env OPENAI_API_KEY; local servers accept any key
    tokenizer: str | None = None  # registry model name; env SSMEM_OPENAI_TOKENIZER
    timeout_s: float = 60.0  # per request
    max_retries: int = 2  # on connection errors, 408/409/429/5xx; backoff doubles from 0.5 s
    check_model: bool = True  # ask /models once that the endpoint serves `model`
    seed: int | None = 0

    def resolved(self) -> OpenAIConfig:
        env = os.environ
        return OpenAIConfig(
            base_url=self.base_url or env.get("SSMEM_OPENAI_BASE_URL"),
            model=self.model or env.get("SSMEM_OPENAI_MODEL"),
            api_key=self.api_key or env.get("OPENAI_API_KEY") or "no-key",
            tokenizer=self.tokenizer or env.get("SSMEM_OPENAI_TOKENIZER"),
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            check_model=self.check_model,
            seed=self.seed,
        )


class OpenAIBackend:
    """Chat completions over HTTP; `counter` is the configured tokenizer (see module doc)."""

    def __init__(self, config: OpenAIConfig | None = None) -> None:
        import openai

        cfg = (config or OpenAIConfig()).resolved()
        if not cfg.base_url:
            raise BackendError(
                "openai backend: no base URL (set --base-url or SSMEM_OPENAI_BASE_URL)"
            )
        if not cfg.model:
            raise BackendError("openai backend: no model (set SSMEM_OPENAI_MODEL)")
        if cfg.max_retries < 0 or cfg.timeout_s <= 0:
            raise BackendError("openai backend: max_retries must be >= 0 and timeout_s > 0")
        self.config = cfg
        self.name = f"openai:{cfg.model}"
        self._openai = openai
        self._client = openai.OpenAI(
            base_url=cfg.base_url,
            api_key=cfg.api_key,
            timeout=cfg.timeout_s,
            max_retries=cfg.max_retries,
        )
        self.counter: TokenCounter = _counter_for(cfg.tokenizer)
        self._checked = not cfg.check_model

    def _where(self) -> str:
        return f"openai backend at {self.config.base_url}"

    def _error(self, err: Exception) -> BackendError:
        o = self._openai
        if isinstance(err, o.APITimeoutError):
            why = f"timed out after {self.config.timeout_s:g} s ({self.config.max_retries} retries)"
        elif isinstance(err, o.APIConnectionError):
            why = f"cannot connect ({self.config.max_retries} retries): is the server running?"
        elif isinstance(err, o.AuthenticationError):
            why = "authentication failed: check OPENAI_API_KEY"
        elif isinstance(err, o.NotFoundError):
            why = f"not found (HTTP 404): is model {self.config.model!r} served there?"
        elif isinstance(err, o.APIStatusError):
            why = f"HTTP {err.status_code}: {str(err.message)[:200]}"
        else:
            why = str(err)[:200]
        return BackendError(f"{self._where()}: {why}")

    def _check_model(self) -> None:
        try:
            served = [m.id for m in self._client.models.list()]
        except self._openai.NotFoundError:
            served = []  # the endpoint has no /models: nothing to check against
        except self._openai.OpenAIError as err:
            raise self._error(err) from None
        if served and self.config.model not in served:
            raise BackendError(
                f"{self._where()}: model {self.config.model!r} is not served "
                f"(available: {', '.join(served)})"
            )
        self._checked = True

    def complete(
        self, messages: list[Message], *, max_tokens: int = 128, temperature: float = 0.0
    ) -> Completion:
        check_messages(messages)
        if not self._checked:
            self._check_model()
        start = time.perf_counter()
        try:
            out = self._client.chat.completions.create(
                model=self.config.model,  # type: ignore[arg-type]
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=temperature,
                seed=self.config.seed,
            )
        except self._openai.OpenAIError as err:
            raise self._error(err) from None
        text = (out.choices[0].message.content or "").strip() if out.choices else ""
        usage = out.usage
        return Completion(
            text=text,
            prompt_tokens=usage.prompt_tokens if usage else -1,  # -1: endpoint did not say
            completion_tokens=usage.completion_tokens if usage else -1,
            latency_s=time.perf_counter() - start,
        )


def _counter_for(tokenizer: str | None) -> TokenCounter:
    if not tokenizer:
        return default_counter()
    from ssmem.llm.tokenizer import reader_counter

    return reader_counter(tokenizer)
