"""ssmem: streaming state-space memory for long-running LLM systems."""

from ssmem.adapters import load_events
from ssmem.client import Client, ServiceError
from ssmem.errors import InputError
from ssmem.events import Event
from ssmem.systems import Context, MemorySystem, Segment, Stats, make_system
from ssmem.tokens import TokenCounter, default_counter

__all__ = [
    "Client",
    "Context",
    "Event",
    "InputError",
    "MemorySystem",
    "Segment",
    "ServiceError",
    "Stats",
    "TokenCounter",
    "default_counter",
    "load_events",
    "make_system",
]
__version__ = "0.1.0"
