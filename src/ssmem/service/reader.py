"""The server's LLM reader for `/answer`: loaded once, on first use (a local model takes
seconds to load), from the `llm_*` settings through `ssmem.llm.load_backend`."""

from __future__ import annotations

import threading
from typing import Any

from ssmem.errors import InputError
from ssmem.service.errors import ApiError
from ssmem.service.settings import ServiceSettings


class Reader:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._backend: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        """The backend; 503 if none is configured or it cannot be loaded."""
        s = self.settings
        if not s.llm_backend:
            raise ApiError(503, "no LLM backend configured (llm_backend)", "query")
        with self._lock:
            if self._backend is None:
                from ssmem.llm import load_backend

                opts: dict[str, Any] = {}
                if s.llm_backend == "openai":
                    opts = {"base_url": s.llm_base_url or None, "model": s.llm_model or None}
                elif s.llm_backend != "fake":
                    opts = {"threads": s.llm_threads}
                try:
                    self._backend = load_backend(s.llm_backend, **opts)
                except InputError as err:
                    raise ApiError(503, f"LLM backend unavailable: {err}", "query") from None
            return self._backend
