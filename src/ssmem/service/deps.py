"""Shared request plumbing: the services an app holds, and the tenant dependency (auth + rate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Address

from ssmem.service.errors import ApiError
from ssmem.service.limits import RateLimiter
from ssmem.service.manager import SessionManager
from ssmem.service.metrics import Metrics
from ssmem.service.reader import Reader
from ssmem.service.settings import ServiceSettings
from ssmem.service.store import Store
from ssmem.service.tenants import Tenants

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")


@dataclass
class Services:
    settings: ServiceSettings
    store: Store
    tenants: Tenants
    manager: SessionManager
    metrics: Metrics
    limiter: RateLimiter
    reader: Reader
    auth_failures: RateLimiter  # per client address: unknown keys (each a database lookup)


@dataclass(frozen=True)
class Tenant:
    id: int
    name: str


# Dependencies are `async def` on purpose: FastAPI runs a sync dependency in a worker thread,
# and a thread hop per dependency per request costs more than these cheap calls themselves.
async def services(request: Request) -> Services:
    return request.app.state.services


def api_key_of(creds: HTTPAuthorizationCredentials | None, x_api_key: str | None) -> str | None:
    return creds.credentials if creds is not None else x_api_key


async def authenticate(svc: Services, key: str | None, client: Address | None) -> Tenant:
    """The tenant of API `key` (401 if none or unknown), for HTTP and WebSocket alike.

    A key not seen before costs a database lookup; each one that turns out unknown spends
    one token of the client address's failure bucket, and an address whose bucket is empty
    gets 429 for unknown keys without a lookup (keys already resolved are never blocked)."""
    hit = svc.tenants.cached(key)  # known keys: no database, no thread
    if hit is None:
        who = client.host if client else ""
        if key:
            svc.auth_failures.check(who, "failed authentications", "authorization")
        try:
            hit = await to_thread.run_sync(svc.tenants.resolve, key)
        except ApiError:
            if key:
                svc.auth_failures.take(who)
            raise
    return Tenant(*hit)


async def tenant(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Tenant:
    """The caller's tenant (see `authenticate`), charged one request of its rate."""
    caller = await authenticate(svc, api_key_of(creds, x_api_key), request.client)
    svc.limiter.take(caller.id)
    return caller


Svc = Annotated[Services, Depends(services)]
Caller = Annotated[Tenant, Depends(tenant)]
