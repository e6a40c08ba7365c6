"""Memory systems by name. Each factory takes a `TokenCounter` (or None for the default).

Only systems that work are registered; the benchmark, the CLI and the service all build
systems through `make_system`.
"""

from __future__ import annotations

from collections.abc import Callable

from ssmem.errors import InputError
from ssmem.systems.base import Context, MemorySystem, Segment, Stats
from ssmem.systems.full import FullContextMemory
from ssmem.systems.rag import RAGMemory
from ssmem.systems.rag_lme import RAGLMEMemory
from ssmem.systems.ssm_variants import FACTORIES as COMPRESSOR_FACTORIES
from ssmem.systems.summary import summary_factory
from ssmem.systems.window import WindowMemory
from ssmem.tokens import TokenCounter

Factory = Callable[[TokenCounter | None], MemorySystem]

# What a user gets without choosing: the SSM memory plus retrieval when it is unsure. It is
# the strongest on the generated evolving-state families; on real chats plain RAG still
# recalls more (README, Results).
DEFAULT_SYSTEM = "hybrid"

SYSTEMS: dict[str, Factory] = {
    "window": lambda counter: WindowMemory(counter),
    "rag": lambda counter: RAGMemory(counter),
    "rag-lme": lambda counter: RAGLMEMemory(counter),  # passages, session keys, time-aware
    "full": lambda counter: FullContextMemory(counter),
    "summary": summary_factory,  # writes with the local LLM (SSMEM_SUMMARY_BACKEND to change)
    **COMPRESSOR_FACTORIES,  # ssm, hybrid and the ablations (ssm_variants.py)
}


def register(name: str, factory: Factory) -> None:
    """Add a system (used by subpackages whose dependencies are optional)."""
    SYSTEMS[name] = factory


def make_system(name: str, counter: TokenCounter | None = None) -> MemorySystem:
    if name not in SYSTEMS:
        raise InputError(f"unknown system {name!r} (available: {', '.join(sorted(SYSTEMS))})")
    return SYSTEMS[name](counter)


__all__ = [
    "DEFAULT_SYSTEM",
    "SYSTEMS",
    "Context",
    "MemorySystem",
    "Segment",
    "Stats",
    "make_system",
    "register",
]
