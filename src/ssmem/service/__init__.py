"""The streaming memory service: sessions over HTTP/WebSocket, durable on SQLite/PostgreSQL."""

from ssmem.service.app import create_app
from ssmem.service.settings import Limits, ServiceSettings, load_settings

__all__ = ["Limits", "ServiceSettings", "create_app", "load_settings"]
