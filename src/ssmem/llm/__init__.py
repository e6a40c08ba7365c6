"""The LLM layer: reader backends behind one small contract, and the reader prompt.

`load_backend("local")` runs the default packaged model offline; a registry model name picks
another local model; `"openai"` talks to any OpenAI-compatible endpoint.
"""

from __future__ import annotations

from typing import Any

from ssmem.llm.base import BackendError, Completion, LLMBackend, Message
from ssmem.llm.models import DEFAULT_MODEL, MODELS


def load_backend(name: str = "local", **options: Any) -> LLMBackend:
    """Build a backend by name: "local", a registry model name, "openai" or "fake".

    Options are the fields of the backend's config (`LocalConfig`, `OpenAIConfig`); unknown
    options are a one-line `BackendError`.
    """
    try:
        if name == "openai":
            from ssmem.llm.openai_compat import OpenAIBackend, OpenAIConfig

            return OpenAIBackend(OpenAIConfig(**options))
        if name == "fake":
            from ssmem.llm.fake import FakeBackend

            return FakeBackend(**options)
        if name == "local" or name in MODELS:
            from ssmem.llm.local import LocalBackend, LocalConfig

            model = options.pop("model", None) or (DEFAULT_MODEL if name == "local" else name)
            return LocalBackend(LocalConfig(model=model, **options))
    except TypeError as err:
        raise BackendError(f"backend {name!r}: bad option ({err})") from None
    raise BackendError(
        f"unknown backend {name!r} (available: local, openai, {', '.join(sorted(MODELS))})"
    )


__all__ = ["BackendError", "Completion", "LLMBackend", "Message", "load_backend"]
