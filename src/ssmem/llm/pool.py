"""One reader model per process, shared: a bounded pool of loaded backends keyed by model.

A local model takes seconds and ~0.8 GB to load, so every user of the same model and settings
(each `summary` session's writer, the service's `/answer` reader) gets one shared instance.
llama.cpp must not run two calls on one model at once: each pooled backend serialises
`complete` on its own lock (calls to different models still run in parallel).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from ssmem.llm import load_backend
from ssmem.llm.base import BackendError, Completion, LLMBackend, Message
from ssmem.llm.models import DEFAULT_MODEL, MODELS

ModelKey = tuple[str, tuple[tuple[str, Any], ...]]  # (backend kind, its full settings)


class PoolFull(BackendError):
    """Loading one more model would exceed the pool's `max_models`."""

    def __init__(self, max_models: int, wanted: str, loaded: list[str]) -> None:
        super().__init__(
            f"max_models {max_models} reached: cannot load {wanted!r} (loaded: {', '.join(loaded)})"
        )
        self.max_models = max_models


def model_key(name: str, options: dict[str, Any]) -> ModelKey:
    """What identifies one loaded model: "local" and the default model's name are the same
    model, and options left at their defaults equal the defaults spelled out."""
    if name == "local" or name in MODELS:
        from ssmem.llm.local import LocalConfig

        model = options.get("model") or (DEFAULT_MODEL if name == "local" else name)
        try:
            config = LocalConfig(**{**options, "model": model})
        except TypeError as err:
            raise BackendError(f"backend {name!r}: bad option ({err})") from None
        return "local", tuple(sorted(asdict(config).items()))
    return name, tuple(sorted(options.items()))


class SharedBackend:
    """A pooled backend: the same `name` and `counter` as the one it wraps; `complete` holds
    the model's lock, so concurrent users take turns. Counting tokens does not take the lock
    (llama.cpp's tokenizer only reads the vocabulary)."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.counter = inner.counter
        self.lock = threading.Lock()

    def complete(
        self, messages: list[Message], *, max_tokens: int = 128, temperature: float = 0.0
    ) -> Completion:
        with self.lock:
            return self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature)


class ModelPool:
    """Loaded backends by `model_key`, at most `max_models` of them (0 = no limit).

    Models stay loaded for the life of the pool (sessions keep using them); a request for a
    new model when the pool is full raises `PoolFull` and loads nothing. `loads` and `hits`
    count how `get` was answered.
    """

    def __init__(
        self, max_models: int = 0, loader: Callable[..., LLMBackend] = load_backend
    ) -> None:
        self.max_models = max_models
        self.loads = 0
        self.hits = 0
        self._loader = loader
        self._models: dict[ModelKey, SharedBackend] = {}
        self._lock = threading.Lock()  # guards the dict and the counters
        self._load_lock = threading.Lock()  # one load at a time: slow and memory-hungry

    def get(self, name: str, **options: Any) -> SharedBackend:
        """The shared backend for `name` and `options` (as `load_backend` takes them), loaded
        on first use. Raises `PoolFull`, or the loader's `BackendError` (nothing is kept)."""
        key = model_key(name, options)
        hit = self._hit(key)
        if hit is not None:
            return hit
        with self._load_lock:
            hit = self._hit(key)
            if hit is not None:
                return hit
            with self._lock:
                if self.max_models and len(self._models) >= self.max_models:
                    raise PoolFull(self.max_models, name, [m.name for m in self._models.values()])
            shared = SharedBackend(self._loader(name, **options))
            with self._lock:
                self._models[key] = shared
                self.loads += 1
            return shared

    def _hit(self, key: ModelKey) -> SharedBackend | None:
        with self._lock:
            hit = self._models.get(key)
            if hit is not None:
                self.hits += 1
            return hit

    def __len__(self) -> int:
        with self._lock:
            return len(self._models)


_POOL = ModelPool()


def shared_pool() -> ModelPool:
    """This process's pool (the service sets its `max_models`)."""
    return _POOL


def load_shared(name: str = "local", **options: Any) -> SharedBackend:
    """`load_backend`, but loaded once per process and shared (see `ModelPool.get`)."""
    return _POOL.get(name, **options)


__all__ = ["ModelPool", "PoolFull", "SharedBackend", "load_shared", "model_key", "shared_pool"]
