"""Tenants and API keys. Keys are random 256-bit tokens shown once; only their hash is stored.

A plain salted SHA-256 is enough for keys of this entropy (no password stretching needed);
lookups go by hash, so a key is never compared or logged in clear text.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from ssmem.service.errors import ApiError
from ssmem.service.store import Store

KEY_PREFIX = "ssm_"


def hash_key(key: str) -> str:
    return hashlib.sha256(f"ssmem-api-key-v1:{key}".encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class Tenants:
    """Maps API keys to tenants (cached: keys are never edited, only added)."""

    def __init__(self, store: Store, admin_key: str = "") -> None:
        self.store = store
        self._admin_hash = hash_key(admin_key) if admin_key else ""
        self._cache: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()

    def create(self, name: str) -> tuple[int, str]:
        """Create the tenant (or reuse one of that name) and return (tenant id, a new key)."""
        tid = self.store.create_tenant(name, time.time())
        key = new_key()
        self.store.add_key(tid, hash_key(key), time.time())
        return tid, key

    def cached(self, key: str | None) -> tuple[int, str] | None:
        """(tenant id, name) if this key was resolved before, else None (no database call)."""
        if not key:
            return None
        with self._lock:
            return self._cache.get(hash_key(key))

    def resolve(self, key: str | None) -> tuple[int, str]:
        """(tenant id, name) for a key, or a 401 ApiError."""
        if not key:
            raise ApiError(401, "missing API key (Authorization: Bearer <key>)", "authorization")
        h = hash_key(key)
        with self._lock:
            hit = self._cache.get(h)
        if hit is None:
            hit = self.store.tenant_for_key(h)
            if hit is None:
                raise ApiError(401, "unknown API key", "authorization")
            with self._lock:
                self._cache[h] = hit
        return hit

    def check_admin(self, key: str | None) -> None:
        if not self._admin_hash:
            raise ApiError(403, "admin API disabled (set SSMEM_ADMIN_KEY)", "authorization")
        if not key or not hmac.compare_digest(hash_key(key), self._admin_hash):
            raise ApiError(401, "wrong admin key", "authorization")
