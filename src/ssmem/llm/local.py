"""The local, offline reader: a packaged GGUF model run in-process by llama-cpp-python.

Greedy at temperature 0 with a fixed seed, so answers are reproducible. The thread count is
a setting (default 1: on a shared machine 2 threads collapse under contention, FINDINGS.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ssmem.llm.base import BackendError, Completion, Message, check_messages
from ssmem.llm.models import DEFAULT_MODEL, model_path
from ssmem.llm.tokenizer import LlamaTokenCounter, track


@dataclass
class LocalConfig:
    model: str = DEFAULT_MODEL  # a name in ssmem.llm.models.MODELS
    n_ctx: int = 4096  # prompt + generation must fit; prompts are budgeted well below this
    threads: int = 1
    seed: int = 0


class LocalBackend:
    """A registry model loaded once; `counter` shares its tokenizer."""

    def __init__(self, config: LocalConfig | None = None) -> None:
        from llama_cpp import Llama

        self.config = config or LocalConfig()
        if self.config.threads < 1:
            raise BackendError(f"threads must be >= 1, got {self.config.threads}")
        path = model_path(self.config.model)
        self.name = self.config.model
        self._llama = track(
            Llama(
                str(path),
                n_ctx=self.config.n_ctx,
                n_threads=self.config.threads,
                n_threads_batch=self.config.threads,
                seed=self.config.seed,
                verbose=False,
            )
        )
        self.counter = LlamaTokenCounter(self._llama, name=f"{self.name}-tokenizer")

    def complete(
        self, messages: list[Message], *, max_tokens: int = 128, temperature: float = 0.0
    ) -> Completion:
        check_messages(messages)
        start = time.perf_counter()
        self._llama.reset()  # no KV reuse across calls: each answer depends on its prompt only
        try:
            out = self._llama.create_chat_completion(
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=temperature,
                seed=self.config.seed,
            )
        except ValueError as err:  # llama-cpp raises ValueError when the prompt exceeds n_ctx
            raise BackendError(f"local model {self.name}: {err}") from None
        usage = out["usage"]  # type: ignore[index]
        return Completion(
            text=(out["choices"][0]["message"]["content"] or "").strip(),  # type: ignore[index]
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            latency_s=time.perf_counter() - start,
        )
