"""The server's LLM reader for `/answer`: taken on first use from the process's model pool
(`ssmem.llm.pool`, shared with `summary` sessions using the same model), built from the
`llm_*` settings."""

from __future__ import annotations

from typing import Any

from ssmem.errors import InputError
from ssmem.llm.pool import PoolFull, SharedBackend, shared_pool
from ssmem.service.errors import ApiError
from ssmem.service.settings import ServiceSettings


class Reader:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings

    def get(self) -> SharedBackend:
        """The shared backend; 503 if none is configured, it cannot be loaded, or loading it
        would exceed `max_models` (the message names the limit)."""
        s = self.settings
        if not s.llm_backend:
            raise ApiError(503, "no LLM backend configured (llm_backend)", "query")
        opts: dict[str, Any] = {}
        if s.llm_backend == "openai":
            opts = {"base_url": s.llm_base_url or None, "model": s.llm_model or None}
        elif s.llm_backend != "fake":
            opts = {"threads": s.llm_threads}
        try:
            return shared_pool().get(s.llm_backend, **opts)
        except PoolFull as err:
            raise ApiError(503, str(err), "max_models") from None
        except InputError as err:
            raise ApiError(503, f"LLM backend unavailable: {err}", "query") from None
